package dev.moaflink.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session of the {@code openai} backend: a prompt that grows, then one streamed generation.
 *
 * <p><b>Prefill.</b> An HTTP server has no incremental prefill, so with {@code warmup} on the session sends a
 * prefix-cache warm-up as the prompt grows: a one-token, non-streamed request over the prompt so far, after which the
 * server's prefix cache (vLLM automatic prefix caching, SGLang's radix cache, llama.cpp's prompt cache) holds it and
 * the generation only prefills what came after. At most one warm-up per session is in flight; appends made
 * meanwhile are coalesced into one warm-up of the latest prefix when it returns. {@link #generate} waits for a
 * warm-up in flight (its prefix is then cached: the wait is prefill the generation would have done itself) and drops
 * one still waiting for a request slot. Warm-ups are best effort: a failed one is ignored, except a refusal for
 * context length, which makes later appends throw {@link RequestRefusedException} and generate return REFUSED.
 *
 * <p><b>Timings</b> are measured here, on the client's clock: queue = waiting for one of {@code max_concurrency}
 * request slots; exposed prefill = from generate to the first token, less queueing (a warm-up still running, the
 * server's queue and prefill of the part not cached, the first decode step, the network); prefill = the warm-ups'
 * time before generate plus the exposed prefill; decode = first to last token.
 *
 * <p><b>Tokens.</b> Each token the server reports a log-prob for becomes one {@link Token}; when a chunk's token
 * texts do not add up to its text (a character split between tokens), the chunk's text goes to its last token, so
 * the tokens' texts always add up to the output. Without log-probs each text chunk is one token. The OpenAI API
 * returns no token ids: ids are -1. A token the server gave no log-prob has log-prob NaN, and so has the
 * generation's sum (its confidence is unknown).
 *
 * <p><b>Stop sequences</b> are matched here, not sent to the server: the SPI keeps the stop sequence in the output
 * (the output ends with it), while OpenAI servers cut it off. When one appears the stream is closed, which makes the
 * server stop.
 *
 * <p>State is guarded by the session's monitor; the listener runs under it, on the HTTP client's thread.
 */
final class OpenAiSession implements EngineSession {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiSession.class);

    private final OpenAiEngine engine;
    private final OpenAiOptions options;
    private final SessionRequest request;
    private final StringBuilder prompt = new StringBuilder();
    private boolean generateCalled;
    private boolean cancelled;
    private boolean closed;

    // --- warm-up ---
    /** A warm-up waits for a request slot or is in flight. */
    private boolean warmupRunning;
    /** The prompt grew after the running warm-up took its copy. */
    private boolean warmupStale;
    private CompletableFuture<Void> warmupPermit;
    private CompletableFuture<HttpResponse<String>> warmupResponse;
    private long warmupSentNanos = -1;
    /** Time of the warm-ups that ended. */
    private long warmupNanos;
    /** Prompt length the last successful warm-up covered, and the server's count of its tokens. */
    private int warmedChars;
    private Endpoint.Usage warmedUsage;
    /** Why the server refused a prefix of this prompt (context length), or null. */
    private String refusal;

    // --- generation ---
    private GenerationParams params;
    private TokenListener listener;
    private CompletableFuture<Generation> result;
    private boolean started;
    private Attempt current;
    private long generateAtNanos;
    private long hiddenPrefillNanos;
    private long queueNanos;
    private long firstTokenNanos = -1;
    private final StringBuilder output = new StringBuilder();
    private int outputTokens;
    private double sumLogProb;
    private Endpoint.Usage usage;
    private String serverFinish;

    /** One HTTP exchange of the generation (the first, or a retry). */
    private static final class Attempt {
        final int number;
        CompletableFuture<Void> permit;
        boolean holdsPermit;
        boolean ended;
        long permitAskedNanos;
        volatile long lastDataNanos;
        CompletableFuture<HttpResponse<Void>> response;
        volatile SseSubscriber subscriber;
        volatile String errorBody;
        volatile String wrongContentType;
        ScheduledFuture<?> watchdog;

        Attempt(int number) {
            this.number = number;
        }
    }

    OpenAiSession(OpenAiEngine engine, SessionRequest request) {
        this.engine = engine;
        this.options = engine.options();
        this.request = request;
    }

    /** Takes the prompt prefix and starts warming it (called by the engine once the session is registered). */
    synchronized void start() {
        prompt.append(request.promptPrefix());
        warmup();
    }

    @Override
    public String requestId() {
        return request.requestId();
    }

    @Override
    public synchronized void append(String text) {
        if (generateCalled || cancelled || closed) {
            throw new IllegalStateException("append after generate, cancel or close on " + request.requestId());
        }
        prompt.append(text);
        if (refusal != null) {
            throw new RequestRefusedException(refusal);
        }
        warmup();
    }

    @Override
    public synchronized CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        if (generateCalled) {
            throw new IllegalStateException("generate called twice on " + request.requestId());
        }
        if (closed) {
            throw new IllegalStateException("generate after close on " + request.requestId());
        }
        generateCalled = true;
        this.params = Objects.requireNonNull(params, "params");
        this.listener = Objects.requireNonNull(listener, "listener");
        result = new CompletableFuture<>();
        generateAtNanos = System.nanoTime();
        hiddenPrefillNanos = warmupNanos + (warmupSentNanos >= 0 ? generateAtNanos - warmupSentNanos : 0);
        if (cancelled) {
            finish(FinishReason.CANCELLED, null, false);
            return result;
        }
        if (warmupRunning && warmupPermit != null && warmupPermit.cancel(false)) {
            warmupRunning = false; // not sent yet: nothing to wait for
            warmupPermit = null;
        }
        if (!warmupRunning) {
            startGeneration();
        } // else the warm-up in flight starts it when it returns
        return result;
    }

    @Override
    public synchronized void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (warmupPermit != null) {
            warmupPermit.cancel(false);
        }
        if (warmupResponse != null) {
            warmupResponse.cancel(true);
        }
        if (result != null) {
            finish(FinishReason.CANCELLED, null, true);
        }
    }

    @Override
    public synchronized int promptTokens() {
        if (usage != null) {
            return usage.promptTokens();
        }
        if (warmedUsage != null) {
            return warmedUsage.promptTokens() + estimateTokens(prompt.length() - warmedChars);
        }
        return estimateTokens(prompt.length());
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

    /** A rough count (four characters a token), used only until the server reports its own. */
    private static int estimateTokens(int chars) {
        return (chars + 3) / 4;
    }

    // ------------------------------------------------------------------ warm-up

    private void warmup() {
        if (!options.warmup() || generateCalled || cancelled || closed || refusal != null) {
            return;
        }
        if (warmupRunning) {
            warmupStale = true;
            return;
        }
        if (prompt.length() == 0 || prompt.length() == warmedChars) {
            return;
        }
        warmupRunning = true;
        warmupStale = false;
        CompletableFuture<Void> permit = engine.permits().acquire(false);
        warmupPermit = permit;
        // Async: a grant comes from another session's release, which may hold that session's monitor.
        permit.thenRunAsync(this::sendWarmup, engine.executor());
    }

    private synchronized void sendWarmup() {
        warmupPermit = null;
        if (generateCalled || cancelled || closed) {
            engine.permits().release();
            warmupRunning = false;
            if (generateCalled) {
                startGeneration();
            }
            return;
        }
        String snapshot = prompt.toString();
        ObjectNode body = options.endpoint().body(options.servedModel(), snapshot)
                .put("max_tokens", 1).put("temperature", 0.0).put("stream", false);
        try {
            warmupSentNanos = System.nanoTime();
            warmupResponse = engine.client().sendAsync(engine.post(options.endpoint().path(), body, false),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.debug("warm-up of {} not sent: {}", request.requestId(), e.toString());
            engine.permits().release();
            warmupSentNanos = -1;
            warmupRunning = false;
            return;
        }
        engine.warmupSent();
        warmupResponse.whenComplete((r, err) -> warmupDone(snapshot.length(), r, err));
    }

    private synchronized void warmupDone(int chars, HttpResponse<String> response, Throwable error) {
        engine.permits().release();
        warmupNanos += System.nanoTime() - warmupSentNanos;
        warmupSentNanos = -1;
        warmupResponse = null;
        warmupRunning = false;
        if (response != null && response.statusCode() == 200) {
            try {
                Endpoint.Usage u = Endpoint.Usage.of(OpenAiEngine.JSON.readTree(response.body()).get("usage"));
                if (u != null) {
                    warmedUsage = u;
                }
            } catch (IOException e) {
                LOG.debug("warm-up of {}: unreadable response: {}", request.requestId(), e.getMessage());
            }
            warmedChars = chars;
        } else if (response != null) {
            Failure f = Failure.http(engine.url(options.endpoint().path()), response.statusCode(), response.body());
            if (f.refused()) {
                refusal = engine.redact(f.message());
            } else {
                LOG.debug("warm-up of {} failed: {}", request.requestId(), engine.redact(f.message()));
            }
        } else if (!(error instanceof CancellationException)) {
            LOG.debug("warm-up of {} failed: {}", request.requestId(), engine.redact(String.valueOf(error)));
        }
        if (generateCalled) {
            startGeneration();
        } else if (warmupStale) {
            warmup();
        }
    }

    // ------------------------------------------------------------------ generation

    private void startGeneration() {
        if (started || result.isDone()) {
            return;
        }
        started = true;
        if (refusal != null) {
            finish(FinishReason.REFUSED, refusal, false);
            return;
        }
        attempt(1);
    }

    private void attempt(int number) {
        Attempt a = new Attempt(number);
        current = a;
        a.permitAskedNanos = System.nanoTime();
        a.permit = engine.permits().acquire(true);
        a.permit.thenRunAsync(() -> send(a), engine.executor());
    }

    private synchronized void send(Attempt a) {
        if (result.isDone() || current != a || a.ended) {
            engine.permits().release();
            return;
        }
        a.holdsPermit = true;
        long now = System.nanoTime();
        queueNanos += now - a.permitAskedNanos;
        ObjectNode body = options.endpoint().body(options.servedModel(), prompt.toString())
                .put("max_tokens", params.maxTokens())
                .put("temperature", params.temperature())
                .put("top_p", params.topP())
                // llama.cpp reads a 32-bit unsigned seed; any fixed mapping keeps runs reproducible.
                .put("seed", Math.floorMod(params.seed(), 1L << 31))
                .put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (options.logprobs()) {
            options.endpoint().askLogprobs(body);
        }
        try {
            a.lastDataNanos = now;
            a.response = engine.client().sendAsync(engine.post(options.endpoint().path(), body, true),
                    info -> bodyFor(a, info));
            a.watchdog = engine.timer().schedule(() -> checkIdle(a), options.timeoutMs(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            failAttempt(a, Failure.fatal("request to " + engine.url(options.endpoint().path()) + " not sent: " + e));
            return;
        }
        a.response.whenComplete((r, err) -> responseEnded(a, r, err));
    }

    /** The body handler: events of a 200 event stream go to {@link #onEvent}; any other body is kept as the error. */
    private HttpResponse.BodySubscriber<Void> bodyFor(Attempt a, HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                    text -> {
                        a.errorBody = text;
                        return null;
                    });
        }
        String type = info.headers().firstValue("Content-Type").orElse("text/event-stream");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")) {
            a.wrongContentType = type;
            return HttpResponse.BodySubscribers.discarding();
        }
        SseSubscriber s = new SseSubscriber(e -> onEvent(a, e), () -> a.lastDataNanos = System.nanoTime());
        a.subscriber = s;
        synchronized (this) {
            if (a.ended) {
                s.cancel();
            }
        }
        return s;
    }

    private synchronized void onEvent(Attempt a, SseParser.Event event) {
        if (result.isDone() || current != a || a.ended) {
            return;
        }
        String data = event.data().strip();
        if (data.isEmpty()) {
            return;
        }
        if (data.equals("[DONE]")) {
            if (serverFinish != null) {
                finishFromServer();
            } else {
                failAttempt(a, Failure.retryable("the server ended the stream without a finish reason"));
            }
            return;
        }
        StreamChunk chunk;
        try {
            chunk = options.endpoint().parse(OpenAiEngine.JSON.readTree(data));
        } catch (IOException | RuntimeException e) {
            failAttempt(a, Failure.retryable("malformed JSON in the event stream: " + e.getMessage()));
            return;
        }
        if (chunk.error() != null) {
            failAttempt(a, Failure.retryable("the server reported an error in the stream: " + chunk.error()));
            return;
        }
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        if (!emit(chunk)) {
            return;
        }
        if (chunk.finishReason() != null) {
            serverFinish = chunk.finishReason();
        }
    }

    /** Streams a chunk's tokens; false when the generation ended on one of them. */
    private boolean emit(StreamChunk chunk) {
        List<StreamChunk.Piece> pieces = chunk.pieces();
        if (pieces.isEmpty()) {
            return chunk.text().isEmpty() || token(chunk.text(), Float.NaN);
        }
        StringBuilder joined = new StringBuilder();
        pieces.forEach(p -> joined.append(p.text()));
        boolean exact = joined.toString().equals(chunk.text());
        for (int i = 0; i < pieces.size(); i++) {
            String text = exact ? pieces.get(i).text() : i == pieces.size() - 1 ? chunk.text() : "";
            if (!token(text, pieces.get(i).logProb())) {
                return false;
            }
        }
        return true;
    }

    private boolean token(String text, float logProb) {
        if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime();
        }
        int before = output.length();
        output.append(text);
        outputTokens++;
        sumLogProb += logProb;
        try {
            listener.onToken(new Token(-1, text, logProb));
        } catch (RuntimeException e) {
            LOG.warn("token listener of {} failed; cancelling it", request.requestId(), e);
            finish(FinishReason.ERROR, "token listener failed: " + e, true);
            return false;
        }
        for (String stop : params.stop()) {
            if (!stop.isEmpty() && output.indexOf(stop, Math.max(0, before - stop.length() + 1)) >= 0) {
                finish(FinishReason.STOP, null, true);
                return false;
            }
        }
        return true;
    }

    private synchronized void responseEnded(Attempt a, HttpResponse<Void> response, Throwable error) {
        if (result.isDone() || current != a || a.ended) {
            return;
        }
        if (error != null) {
            failAttempt(a, Failure.of(engine.url(options.endpoint().path()), error, options.connectTimeoutMs()));
        } else if (response.statusCode() != 200) {
            failAttempt(a, Failure.http(engine.url(options.endpoint().path()), response.statusCode(), a.errorBody));
        } else if (a.wrongContentType != null) {
            failAttempt(a, Failure.fatal("the server answered a streamed request with Content-Type "
                    + a.wrongContentType + ", not an event stream"));
        } else if (serverFinish != null) {
            finishFromServer();
        } else {
            failAttempt(a, Failure.retryable("the stream ended before the server finished the generation"));
        }
    }

    /** The watchdog: a stream with no data for {@code timeout_ms} has stalled. */
    private synchronized void checkIdle(Attempt a) {
        if (result.isDone() || current != a || a.ended) {
            return;
        }
        long limit = TimeUnit.MILLISECONDS.toNanos(options.timeoutMs());
        long idle = System.nanoTime() - a.lastDataNanos;
        if (idle < limit) {
            a.watchdog = engine.timer().schedule(() -> checkIdle(a), limit - idle, TimeUnit.NANOSECONDS);
        } else if (serverFinish != null) {
            finishFromServer(); // finished, but the server left the stream open
        } else {
            failAttempt(a, Failure.retryable("no data from " + engine.url(options.endpoint().path()) + " for "
                    + options.timeoutMs() + " ms (timeout_ms)"));
        }
    }

    private void finishFromServer() {
        FinishReason reason = switch (serverFinish) {
            case "stop", "eos", "stop_sequence", "end_turn", "tool_calls", "function_call" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            default -> null;
        };
        if (reason == null) {
            finish(FinishReason.ERROR, "the server ended the generation with finish_reason '" + serverFinish + "'",
                    true);
        } else {
            finish(reason, null, false);
        }
    }

    /**
     * Ends an attempt that failed: retried when the failure allows it and nothing was streamed yet, otherwise the
     * generation ends (REFUSED for a context-length refusal, else ERROR).
     */
    private void failAttempt(Attempt a, Failure f) {
        endAttempt(a, true);
        if (f.refused()) {
            finish(FinishReason.REFUSED, f.message(), false);
        } else if (f.retryable() && outputTokens == 0 && a.number <= options.retries() && !cancelled) {
            long delay = (long) options.retryBackoffMs() << Math.min(20, a.number - 1);
            LOG.debug("{}: attempt {} failed ({}); retrying in {} ms", request.requestId(), a.number,
                    engine.redact(f.message()), delay);
            engine.timer().schedule(() -> retry(a), delay, TimeUnit.MILLISECONDS);
        } else {
            finish(FinishReason.ERROR, f.after(a.number).message(), false);
        }
    }

    private synchronized void retry(Attempt failed) {
        if (!result.isDone() && current == failed) {
            attempt(failed.number + 1);
        }
    }

    /** Gives the attempt's request slot back and, with {@code abort}, stops its exchange (closing the stream). */
    private void endAttempt(Attempt a, boolean abort) {
        if (a.ended) {
            return;
        }
        a.ended = true;
        if (a.watchdog != null) {
            a.watchdog.cancel(false);
        }
        if (a.holdsPermit) {
            a.holdsPermit = false;
            engine.permits().release();
        } else {
            a.permit.cancel(false); // a grant that raced with this is given back by send()
        }
        if (abort) {
            SseSubscriber s = a.subscriber;
            if (s != null) {
                s.cancel();
            }
            if (a.response != null) {
                a.response.cancel(true);
            }
        }
    }

    private void finish(FinishReason reason, String error, boolean abort) {
        if (result.isDone()) {
            return;
        }
        if (current != null) {
            endAttempt(current, abort);
        }
        long end = System.nanoTime();
        double queueMs = queueNanos / 1e6;
        long prefillEnd = firstTokenNanos >= 0 ? firstTokenNanos : end;
        double exposedMs = Math.max(0, (prefillEnd - generateAtNanos) / 1e6 - queueMs);
        PhaseTimings timings = new PhaseTimings(queueMs, hiddenPrefillNanos / 1e6 + exposedMs, exposedMs,
                firstTokenNanos >= 0 ? (end - firstTokenNanos) / 1e6 : 0,
                firstTokenNanos >= 0 ? (firstTokenNanos - generateAtNanos) / 1e6 : 0);
        boolean failed = reason == FinishReason.ERROR || reason == FinishReason.REFUSED;
        // The server's count when it finished the stream itself; ours when the stream was cut.
        int tokens = usage != null && !abort ? usage.completionTokens() : outputTokens;
        engine.ended(this);
        result.complete(new Generation(failed ? "" : output.toString(), reason, promptTokens(),
                reason == FinishReason.REFUSED ? 0 : tokens, reason == FinishReason.REFUSED ? 0.0 : sumLogProb,
                timings, error == null ? null : engine.redact(error)));
    }
}
