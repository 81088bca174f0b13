package dev.moaflink.engine.openai;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A session of the {@code openai} backend: a prompt that grows, then one streamed generation. The session keeps the
 * prompt and the lifecycle; with {@code warmup} on, {@link Warmups} sends prefix-cache warm-ups as the prompt grows (an
 * HTTP server has no incremental prefill), and {@link StreamedGeneration} runs the generation. A warm-up refused for
 * context length makes later appends throw {@link RequestRefusedException} and generate return REFUSED.
 *
 * <p>State, that of the warm-ups and of the generation included, is guarded by the session's monitor; the listener
 * runs under it, on the HTTP client's thread.
 */
final class OpenAiSession implements EngineSession {

    private final OpenAiEngine engine;
    private final OpenAiOptions options;
    private final SessionRequest request;
    /** When the session's query arrived (epoch ms; the session's open time when the request does not say). */
    private final long queryArrivalMs;
    private final StringBuilder prompt = new StringBuilder();
    private final Warmups warmups;
    private boolean cancelled;
    private boolean closed;
    /** Null until generate is called. */
    private StreamedGeneration generation;

    OpenAiSession(OpenAiEngine engine, SessionRequest request) {
        this.engine = engine;
        this.options = engine.options();
        this.request = request;
        this.queryArrivalMs = request.queryArrivalMs() > 0 ? request.queryArrivalMs() : System.currentTimeMillis();
        this.warmups = new Warmups(this, request.requestId(), prompt, engine.permits(), engine.executor(),
                engine::sendWarmup, engine::redact);
    }

    /** Takes the prompt prefix and starts warming it (called by the engine once the session is registered). */
    synchronized void start() {
        prompt.append(request.promptPrefix());
        warm();
    }

    @Override
    public String requestId() {
        return request.requestId();
    }

    @Override
    public synchronized void append(String text) {
        if (generation != null || cancelled || closed) {
            throw new IllegalStateException("append after generate, cancel or close on " + request.requestId());
        }
        prompt.append(text);
        if (warmups.refusal() != null) {
            throw new RequestRefusedException(warmups.refusal());
        }
        warm();
    }

    @Override
    public synchronized CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        if (generation != null) {
            throw new IllegalStateException("generate called twice on " + request.requestId());
        }
        if (closed) {
            throw new IllegalStateException("generate after close on " + request.requestId());
        }
        long now = System.nanoTime();
        generation = new StreamedGeneration(this, engine, prompt.toString(), Objects.requireNonNull(params, "params"),
                Objects.requireNonNull(listener, "listener"), new ClientTimings(now, warmups.nanosUntil(now)));
        if (cancelled) {
            generation.cancel();
        } else {
            warmups.thenGenerate(() -> generation.start(warmups.refusal()));
        }
        return generation.result();
    }

    @Override
    public synchronized void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        warmups.cancel();
        if (generation != null) {
            generation.cancel();
        }
    }

    /** When the session's query arrived, epoch ms. */
    long queryArrivalMs() {
        return queryArrivalMs;
    }

    @Override
    public synchronized int promptTokens() {
        Endpoint.Usage usage = generation == null ? null : generation.usage();
        return usage != null ? usage.promptTokens() : warmups.promptTokens();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancel();
        engine.ended(this);
    }

    private void warm() {
        if (options.warmup()) {
            warmups.promptGrew();
        }
    }
}
