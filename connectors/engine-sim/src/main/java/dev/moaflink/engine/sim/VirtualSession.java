package dev.moaflink.engine.sim;

import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;

/**
 * A session on the modelled clock: nothing waits, and {@link #generate} streams the whole output on the
 * caller's thread before returning a completed future.
 *
 * <p>The SPI gives a virtual engine no clock for its calls, so they are taken to cost no virtual time: open,
 * every append and generate all happen at t = 0. Prefill runs sequentially from t = 0, hence all of it lies
 * after generate: {@code prefillExposedMs == prefillMs}, and callers that overlap prefill with upstream decode
 * must compose that overlap themselves. {@code concurrency} is ignored. With a {@code worker}, sessions queue on
 * that worker's virtual GPU ({@link VirtualWorkers}): {@code queueMs} is the worker's busy time before it.
 */
final class VirtualSession extends SimSession {

    private final String modelName;

    VirtualSession(String modelName, SessionRequest request, QueryFacts facts, SimModel model, SimProfile profile) {
        super(request, facts, model, profile);
        this.modelName = modelName;
    }

    @Override
    protected void appended(double prefillMs) {
        // Virtual prefill runs from t = 0 in one piece; nothing to schedule.
    }

    @Override
    public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        synchronized (this) {
            CompletableFuture<Generation> cancelledEarly = claimGenerate(params, listener);
            if (cancelledEarly != null) {
                return cancelledEarly;
            }
        }
        double prefillMs = prompt.prefillMs();
        try {
            OutputTokens output = model.respond(request, facts, prompt.text());
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
            double queueMs = profile.worker().isEmpty() ? 0
                    : VirtualWorkers.charge(profile.worker(), modelName, prefillMs + profile.decodeMs(n));
            PhaseTimings timings = new PhaseTimings(queueMs, prefillMs, prefillMs, profile.decodeMs(n),
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
}
