package dev.moaflink.engine.sim;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A session on the modelled clock: nothing waits, and {@link #generate} streams the whole output on the
 * caller's thread before returning a completed future.
 *
 * <p>The SPI gives a virtual engine no clock for its calls, so they are taken to cost no virtual time: open,
 * every append and generate all happen at t = 0. Prefill runs sequentially from t = 0, hence all of it lies
 * after generate: {@code prefillExposedMs == prefillMs}, and callers that overlap prefill with upstream decode
 * must compose that overlap themselves. There is no queueing ({@code concurrency} is ignored).
 */
final class VirtualSession implements EngineSession {

    private final SessionRequest request;
    private final AnswerSpace space;
    private final SimModel model;
    private final SimProfile profile;
    private final Prompt prompt;
    private boolean generateCalled;
    private boolean cancelled;
    // Read by the generate loop, possibly set from a listener or another thread.
    private volatile boolean stopRequested;

    VirtualSession(SessionRequest request, AnswerSpace space, SimModel model, SimProfile profile) {
        this.request = request;
        this.space = space;
        this.model = model;
        this.profile = profile;
        this.prompt = new Prompt(profile, request.promptPrefix(), request.role() == SessionRequest.Role.AGGREGATOR);
    }

    @Override
    public String requestId() {
        return request.requestId();
    }

    @Override
    public synchronized void append(String text) {
        if (generateCalled || cancelled) {
            throw new IllegalStateException("session " + request.requestId() + " no longer accepts prompt text ("
                    + (cancelled ? "cancelled or closed" : "generate was called") + ")");
        }
        prompt.append(text);
    }

    @Override
    public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            if (generateCalled) {
                throw new IllegalStateException("generate already called on session " + request.requestId());
            }
            generateCalled = true;
            if (cancelled) {
                return CompletableFuture.completedFuture(new Generation("", FinishReason.CANCELLED,
                        prompt.tokens(), 0, 0.0, new PhaseTimings(0, prompt.prefillMs(), 0, 0, 0), null));
            }
        }
        double prefillMs = prompt.prefillMs();
        try {
            OutputTokens output = model.respond(request, space, prompt.text());
            Transcript transcript = new Transcript(params, output.length());
            FinishReason reason = null;
            while (reason == null) {
                if (stopRequested) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                Token token = output.next();
                reason = transcript.add(token, !output.hasNext());
                listener.onToken(token);
            }
            int n = transcript.tokens();
            PhaseTimings timings = new PhaseTimings(0, prefillMs, prefillMs, profile.decodeMs(n),
                    n == 0 ? 0 : prefillMs + profile.decodeMs(1));
            return CompletableFuture.completedFuture(new Generation(transcript.text(), reason, prompt.tokens(), n,
                    transcript.sumLogProb(), timings, null));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Generation.failed(String.valueOf(e), prompt.tokens(),
                    new PhaseTimings(0, prefillMs, prefillMs, 0, 0)));
        }
    }

    @Override
    public void cancel() {
        stopRequested = true;
        synchronized (this) {
            cancelled = true;
        }
    }

    @Override
    public synchronized int promptTokens() {
        return prompt.tokens();
    }

    @Override
    public void close() {
        cancel();
    }
}
