package dev.moaflink.engine.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineLoad;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.SessionRequest;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model behind an OpenAI-compatible HTTP server. The engine holds what its sessions share: one HTTP client
 * (HTTP/1.1, as vLLM, SGLang and llama.cpp serve it; a cancelled stream closes its connection, which is how those
 * servers learn to stop), the bound on requests in flight, and a timer for back-offs and stalled streams. Nothing
 * runs on callers' threads: requests are sent asynchronously and streamed bodies are parsed as they arrive.
 */
final class OpenAiEngine implements LlmEngine {

    /**
     * Not incremental: append cannot extend a KV cache over HTTP; warm-ups only make the server's prefix cache hold
     * the prompt so far.
     */
    static final EngineInfo INFO = new EngineInfo(OpenAiEngineFactory.BACKEND, false, false, false);

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiEngine.class);
    static final ObjectMapper JSON = new ObjectMapper();

    /** When the engine started (epoch ms): request priorities count from it. */
    private final long startedAtMs = System.currentTimeMillis();
    private final String name;
    private final OpenAiOptions options;
    /** Null when no key is configured; never logged, and removed from every message (see {@link #redact}). */
    private final String apiKey;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ScheduledExecutorService timer;
    private final AsyncPermits permits;
    private final Set<OpenAiSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong warmups = new AtomicLong();
    private volatile boolean closed;

    OpenAiEngine(String name, OpenAiOptions options, String apiKey) {
        this.name = name;
        this.options = options;
        this.apiKey = apiKey;
        this.executor = Executors.newCachedThreadPool(daemons("openai-" + name));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(options.connectTimeoutMs()))
                .executor(executor)
                .build();
        this.timer = Executors.newSingleThreadScheduledExecutor(daemons("openai-" + name + "-timer"));
        this.permits = new AsyncPermits(options.maxConcurrency());
        LOG.info("OpenAI-compatible engine '{}': {} model '{}' at {}, {} requests at most, warm-up {}, log-probs {}{}",
                name, options.endpoint().path(), options.servedModel(), options.baseUrl(), options.maxConcurrency(),
                options.warmup() ? "on" : "off", options.logprobs() ? "on" : "off",
                apiKey == null ? "" : ", API key from $" + options.apiKeyEnv());
    }

    /** Milliseconds from the engine's start to {@code epochMs} (negative before it). */
    long sinceStartMs(long epochMs) {
        return epochMs - startedAtMs;
    }

    @Override
    public String model() {
        return name;
    }

    /**
     * Requests waiting for one of the {@code max_concurrency} slots, and requests holding one (generations and
     * warm-ups on the wire); the server's KV memory is not visible over the API (0 of 0).
     */
    @Override
    public EngineLoad load() {
        return new EngineLoad(permits.waiting(), permits.inUse(), 0, 0);
    }

    @Override
    public EngineInfo info() {
        return INFO;
    }

    @Override
    public EngineSession open(SessionRequest request) {
        if (closed) {
            throw new IllegalStateException("engine '" + name + "' is closed");
        }
        OpenAiSession s = new OpenAiSession(this, request);
        sessions.add(s);
        s.start();
        return s;
    }

    OpenAiOptions options() {
        return options;
    }

    HttpClient client() {
        return client;
    }

    /** Runs the engine's own continuations (never the caller's thread). */
    ExecutorService executor() {
        return executor;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    AsyncPermits permits() {
        return permits;
    }

    URI url(String path) {
        return options.resolve(path);
    }

    void ended(OpenAiSession s) {
        sessions.remove(s);
    }

    /** HTTP requests in flight now (at most {@code max_concurrency}). */
    int requestsInFlight() {
        return permits.inUse();
    }

    /** Sends a prefix-cache warm-up: a one-token, greedy, non-streamed request over {@code prompt}. */
    CompletableFuture<HttpResponse<String>> sendWarmup(String prompt) {
        ObjectNode body = options.endpoint().body(options.servedModel(), prompt)
                .put("max_tokens", 1).put("temperature", 0.0).put("stream", false);
        CompletableFuture<HttpResponse<String>> response = client.sendAsync(post(options.endpoint().path(), body,
                false), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        warmups.incrementAndGet();
        return response;
    }

    /** A POST of {@code body} to {@code path}; streamed requests are timed by their session, others here. */
    HttpRequest post(String path, ObjectNode body, boolean stream) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(url(path))
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (!stream) {
            b.timeout(Duration.ofMillis(options.timeoutMs()));
        }
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b.build();
    }

    /** {@code text} without the API key, for any message that leaves the engine (a server may echo the key). */
    String redact(String text) {
        return apiKey == null || text == null ? text : text.replace(apiKey, "***");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OpenAiSession s : List.copyOf(sessions)) {
            s.close();
        }
        timer.shutdownNow();
        // Idle threads end now; a thread still finishing an aborted exchange ends after it.
        executor.shutdown();
        LOG.info("OpenAI-compatible engine '{}' closed ({} warm-up requests sent)", name, warmups.get());
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
