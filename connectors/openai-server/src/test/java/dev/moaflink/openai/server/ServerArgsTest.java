package dev.moaflink.openai.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server's command line. */
@Timeout(10)
class ServerArgsTest {

    private static String refusal(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> ServerArgs.parse(args)).getMessage();
    }

    @Test
    void defaultsServeTheBundledModelsOnTheDjlEngine() {
        ServerArgs a = ServerArgs.parse();
        assertEquals("127.0.0.1", a.host());
        assertEquals(8000, a.port());
        assertEquals("djl", a.backend());
        assertEquals(ServerArgs.BUNDLED, List.copyOf(a.models().keySet()));
        assertEquals("classpath:dev/moaflink/models/aggregator", a.models().get("aggregator"));
        assertEquals("auto", a.chatTemplate());
    }

    @Test
    void modelsOptionsAndBackends() {
        ServerArgs a = ServerArgs.parse("--port", "0", "--model", "expert-small", "--model", "qwen=/models/qwen",
                "--option", "kv_cache_mb=64", "--chat-template", "chatml", "--api-key-env", "KEY", "--threads", "4");
        assertEquals(Map.of("expert-small", "classpath:dev/moaflink/models/expert-small", "qwen", "/models/qwen"),
                a.models());
        assertEquals(Map.of("kv_cache_mb", "64"), a.options());
        assertEquals("KEY", a.apiKeyEnv());
        ServerArgs sim = ServerArgs.parse("--backend", "sim", "--model", "fast", "--option", "time=real");
        assertEquals(Map.of("fast", ""), sim.models());
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(refusal("--port").contains("--port needs a value"));
        assertTrue(refusal("--port", "70000").contains("--port must be an integer in [0, 65535]"));
        assertTrue(refusal("--backend", "vllm").contains("--backend must be djl or sim"));
        assertTrue(refusal("--model", "mine").contains("needs a path"));
        assertTrue(refusal("--backend", "sim").contains("needs at least one --model"));
        assertTrue(refusal("--backend", "sim", "--model", "a=/x").contains("takes no path"));
        assertTrue(refusal("--option", "=1").contains("KEY=VALUE"));
        assertTrue(refusal("--option", "chat_template=chatml").contains("--chat-template"));
        assertTrue(refusal("--chat-template", "jinja").contains("--chat-template must be one of"));
        assertTrue(refusal("--verbose", "1").contains("unknown flag '--verbose'"));
        assertTrue(refusal("--model", "a=/x", "--model", "a=/y").contains("each name once"));
    }

    @Test
    void helpPrintsTheOptionsAndReturnsWithoutStarting() throws Exception {
        java.io.PrintStream before = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            OpenAiServer.main(new String[] {"--help"});
        } finally {
            System.setOut(before);
        }
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(text.startsWith("usage: ") && text.contains("--chat-template"), text);
    }
}
