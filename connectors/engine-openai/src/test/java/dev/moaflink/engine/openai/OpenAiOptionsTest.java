package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSpec;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Option checks at submission: each bad option is named, and no credential is ever echoed. */
@Timeout(10)
class OpenAiOptionsTest {

    private static final Map<String, String> ENV = Map.of("MY_KEY", "sk-secret-value");

    private static OpenAiOptions options(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>(Map.of("base_url", "http://localhost:8000/v1/"));
        o.putAll(extra);
        return OpenAiOptions.of(new EngineSpec("openai", "m", o), ENV::get);
    }

    private static String refusal(Map<String, String> extra) {
        return assertThrows(IllegalArgumentException.class, () -> options(extra)).getMessage();
    }

    @Test
    void defaults() {
        OpenAiOptions o = options(Map.of());
        assertEquals(URI.create("http://localhost:8000/v1"), o.baseUrl(), "trailing slash dropped");
        assertEquals(URI.create("http://localhost:8000/v1/chat/completions"), o.resolve(Endpoint.CHAT.path()));
        assertEquals("m", o.servedModel());
        assertEquals(Endpoint.CHAT, o.endpoint());
        assertEquals(120_000, o.timeoutMs());
        assertEquals(10_000, o.connectTimeoutMs());
        assertEquals(2, o.retries());
        assertEquals(200, o.retryBackoffMs());
        assertEquals(64, o.maxConcurrency());
        assertTrue(o.logprobs() && o.warmup());
        OpenAiOptions set = options(Map.of("served_model", "Qwen/Qwen2.5-7B-Instruct", "endpoint", "completions",
                "retries", "0", "logprobs", "false", "warmup", "false", "api_key_env", "MY_KEY"));
        assertEquals("Qwen/Qwen2.5-7B-Instruct", set.servedModel());
        assertEquals(Endpoint.COMPLETIONS, set.endpoint());
        assertEquals(0, set.retries());
        assertFalse(set.logprobs() || set.warmup());
        assertEquals("MY_KEY", set.apiKeyEnv());
    }

    @Test
    void eachBadOptionIsNamed() {
        assertTrue(refusal(Map.of("base_url", "")).startsWith("model 'm': openai option 'base_url' is required"));
        assertTrue(refusal(Map.of("base_url", "ftp://host/v1")).contains("http or https"));
        assertTrue(refusal(Map.of("base_url", "http://host:8000/v1?x=1")).contains("query"));
        assertTrue(refusal(Map.of("base_url", "http://ho st")).contains("not a URL"));
        assertTrue(refusal(Map.of("endpoint", "responses")).contains("'endpoint' must be chat or completions"));
        assertTrue(refusal(Map.of("timeout_ms", "0")).contains("'timeout_ms' must be an integer >= 1, was '0'"));
        assertTrue(refusal(Map.of("retries", "-1")).contains("'retries'"));
        assertTrue(refusal(Map.of("retry_backoff_ms", "soon")).contains("'retry_backoff_ms'"));
        assertTrue(refusal(Map.of("max_concurrency", "0")).contains("'max_concurrency'"));
        assertTrue(refusal(Map.of("connect_timeout_ms", "1.5")).contains("'connect_timeout_ms'"));
        assertTrue(refusal(Map.of("logprobs", "yes")).contains("'logprobs' must be true or false"));
        assertTrue(refusal(Map.of("warmup", "1")).contains("'warmup'"));
        assertTrue(refusal(Map.of("served_model", " ")).contains("'served_model'"));
        assertTrue(refusal(Map.of("path", "/models/x")).contains("unknown openai option 'path'"));
    }

    @Test
    void credentialsAreNeverEchoed() {
        String url = refusal(Map.of("base_url", "http://user:hunter2@host:8000/v1"));
        assertTrue(url.contains("must not carry credentials"), url);
        assertFalse(url.contains("hunter2"), url);

        String missing = refusal(Map.of("api_key_env", "NOT_SET_ANYWHERE"));
        assertTrue(missing.contains("environment variable NOT_SET_ANYWHERE") && missing.contains("not set"), missing);

        String key = refusal(Map.of("api_key_env", "sk-pasted-the-key-itself"));
        assertTrue(key.contains("names the variable holding the key"), key);
    }

    @Test
    void theFactoryIsFoundByItsBackendName() {
        EngineRegistry registry = new EngineRegistry(ServiceLoader.load(EngineFactory.class));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.validate(new EngineSpec("openai", "m", Map.of())));
        assertTrue(e.getMessage().contains("'base_url' is required"), e.getMessage());
        registry.validate(new EngineSpec("openai", "m", Map.of("base_url", "https://api.example.com/v1")));
    }
}
