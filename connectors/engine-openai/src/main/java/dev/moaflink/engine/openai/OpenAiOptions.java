package dev.moaflink.engine.openai;

import dev.moaflink.engine.EngineSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Options of the {@code openai} backend (engine spec options), validated once:
 * <ul>
 *   <li>{@code base_url} (required): the server's API root, e.g. {@code http://host:8000/v1};</li>
 *   <li>{@code served_model}: the model name sent to the server (default: the spec's model name);</li>
 *   <li>{@code api_key_env}: the name of an environment variable holding the API key, sent as
 *       {@code Authorization: Bearer}; the key itself is never part of a spec, a log line or a message;</li>
 *   <li>{@code endpoint}: {@code chat} ({@code /chat/completions}: the server applies the model's chat template, as
 *       the in-process engines do; default) or {@code completions} ({@code /completions}: the prompt is sent raw);</li>
 *   <li>{@code timeout_ms}: how long one request may wait for the response headers, and then for each next piece
 *       of the stream (default 120,000): a stalled server is detected, a long generation that keeps streaming is
 *       never cut;</li>
 *   <li>{@code connect_timeout_ms}: TCP connect timeout (default 10,000);</li>
 *   <li>{@code retries}, {@code retry_backoff_ms}: a request that failed to connect, timed out or got HTTP 429 or
 *       5xx before any token was streamed is sent again, at most {@code retries} times (default 2), after
 *       {@code retry_backoff_ms} (default 200) doubled per attempt;</li>
 *   <li>{@code max_concurrency}: HTTP requests in flight per engine (default 64); generations go before
 *       warm-ups when requests wait for a slot;</li>
 *   <li>{@code logprobs}: ask for each token's log-prob (default true; without them confidences are unknown);</li>
 *   <li>{@code warmup}: send prefix-cache warm-up requests as the prompt grows (default true);</li>
 *   <li>{@code priority}: send each request a {@code priority} from its query's arrival, so that a server that
 *       schedules by priority serves earlier queries first: {@code none} (default; servers without priority
 *       scheduling refuse the field), {@code lower_first} (vLLM's {@code --scheduling-policy priority}: the earlier
 *       the query, the lower the number) or {@code higher_first} (SGLang's {@code --enable-priority-scheduling}:
 *       the earlier, the higher).</li>
 * </ul>
 */
record OpenAiOptions(URI baseUrl, String servedModel, String apiKeyEnv, Endpoint endpoint, int timeoutMs,
                     int connectTimeoutMs, int retries, int retryBackoffMs, int maxConcurrency, boolean logprobs,
                     boolean warmup, Priority priority) {

    static final Set<String> KEYS = Set.of("base_url", "served_model", "api_key_env", "endpoint", "timeout_ms",
            "connect_timeout_ms", "retries", "retry_backoff_ms", "max_concurrency", "logprobs", "warmup", "priority");

    /** How a query's arrival becomes a request's {@code priority}, if at all. */
    enum Priority {
        NONE, LOWER_FIRST, HIGHER_FIRST;

        /** The field's value for a query that arrived {@code sinceStartMs} after the engine started; null: none. */
        Long value(long sinceStartMs) {
            return switch (this) {
                case NONE -> null;
                case LOWER_FIRST -> sinceStartMs;
                case HIGHER_FIRST -> -sinceStartMs;
            };
        }
    }

    /**
     * Reads and checks a spec's options; {@code env} looks up environment variables (the API key must be set).
     *
     * @throws IllegalArgumentException naming the model and the bad option
     */
    static OpenAiOptions of(EngineSpec spec, UnaryOperator<String> env) {
        Map<String, String> o = spec.options();
        String model = spec.model();
        for (String k : o.keySet()) {
            if (!KEYS.contains(k)) {
                throw bad(model, "unknown openai option '" + k + "' (known: " + new TreeSet<>(KEYS) + ")");
            }
        }
        URI baseUrl = baseUrl(model, o.get("base_url"));
        String served = o.getOrDefault("served_model", model);
        if (served.isBlank()) {
            throw bad(model, "openai option 'served_model' must not be blank");
        }
        String keyEnv = o.get("api_key_env");
        if (keyEnv != null) {
            if (!keyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw bad(model, "openai option 'api_key_env' must name an environment variable (letters, digits, "
                        + "underscore), was '" + keyEnv + "'; it names the variable holding the key, not the key");
            }
            String key = env.apply(keyEnv);
            if (key == null || key.isBlank()) {
                throw bad(model, "openai option 'api_key_env': environment variable " + keyEnv + " is not set");
            }
        }
        Endpoint endpoint = Endpoint.named(o.getOrDefault("endpoint", "chat"))
                .orElseThrow(() -> bad(model, "openai option 'endpoint' must be chat or completions, was '"
                        + o.get("endpoint") + "'"));
        return new OpenAiOptions(baseUrl, served, keyEnv, endpoint,
                integer(model, o, "timeout_ms", 120_000, 1),
                integer(model, o, "connect_timeout_ms", 10_000, 1),
                integer(model, o, "retries", 2, 0),
                integer(model, o, "retry_backoff_ms", 200, 0),
                integer(model, o, "max_concurrency", 64, 1),
                bool(model, o, "logprobs", true),
                bool(model, o, "warmup", true),
                priority(model, o.getOrDefault("priority", "none")));
    }

    private static Priority priority(String model, String v) {
        return switch (v.strip()) {
            case "none" -> Priority.NONE;
            case "lower_first" -> Priority.LOWER_FIRST;
            case "higher_first" -> Priority.HIGHER_FIRST;
            default -> throw bad(model, "openai option 'priority' must be none, lower_first or higher_first, was '"
                    + v + "'");
        };
    }

    /** The URL of one API path, e.g. {@code /chat/completions}. */
    URI resolve(String path) {
        return URI.create(baseUrl + path);
    }

    private static URI baseUrl(String model, String value) {
        if (value == null || value.isBlank()) {
            throw bad(model, "openai option 'base_url' is required (the server's API root, e.g. "
                    + "http://host:8000/v1)");
        }
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw bad(model, "openai option 'base_url' is not a URL: " + e.getReason());
        }
        if (uri.getRawUserInfo() != null) {
            // Not echoed: the user info is a credential.
            throw bad(model, "openai option 'base_url' must not carry credentials; name the variable holding the "
                    + "API key in api_key_env");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw bad(model, "openai option 'base_url' must be an http or https URL with a host, was '" + value + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw bad(model, "openai option 'base_url' must not have a query or fragment, was '" + value + "'");
        }
        return URI.create(uri.toString().replaceAll("/+$", ""));
    }

    private static int integer(String model, Map<String, String> o, String key, int otherwise, int min) {
        String v = o.get(key);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(model, "openai option '" + key + "' must be an integer >= " + min + ", was '" + v + "'");
    }

    private static boolean bool(String model, Map<String, String> o, String key, boolean otherwise) {
        String v = o.get(key);
        if (v == null) {
            return otherwise;
        }
        return switch (v.strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(model, "openai option '" + key + "' must be true or false, was '" + v + "'");
        };
    }

    private static IllegalArgumentException bad(String model, String message) {
        return new IllegalArgumentException("model '" + model + "': " + message);
    }
}
