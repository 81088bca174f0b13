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
 * <p>Its clock is the caller's ({@link #at}): prefill of the prompt prefix starts at the first reading, each
 * appended piece is prefilled after the previous one or at the reading of its append, whichever is later, and
 * generate happens at the reading then; the prefill still running at that point is the exposed part. A caller
 * that never reads its clock gets every call at t = 0, hence {@code prefillExposedMs == prefillMs}.
 * {@code concurrency} is ignored. With a {@code worker}, sessions queue on that worker's virtual GPU
 * ({@link VirtualWorkers}): {@code queueMs} is the worker's busy time before it.
 */
final class VirtualSession extends SimSession {

    private final String modelName;

    VirtualSession(String modelName, SessionRequest request, QueryFacts facts, SimModel model, SimProfile profile) {
        super(request, facts, model, profile);
        this.modelName = modelName;
    }

    // Guarded by this: the caller's clock, and when the prefill queued so far ends on it.
    private double clock = Double.NaN;
    private double prefillEnd = Double.NaN;

    @Override
    public synchronized void at(double clockMs) {
        if (Double.isNaN(clock)) {
            prefillEnd = clockMs + prompt.prefillMs(); // the prefix starts prefilling at the first reading
        } else if (clockMs < clock) {
            throw new IllegalArgumentException("clock went back from " + clock + " to " + clockMs + " ms");
        }
        clock = clockMs;
    }

    @Override
    protected void appended(double prefillMs) {
        if (!Double.isNaN(clock)) {
            prefillEnd = Math.max(prefillEnd, clock) + prefillMs;
        }
    }

    @Override
    public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        synchronized (this) {
            CompletableFuture<Generation> cancelledEarly = claimGenerate(params, listener);
            if (cancelledEarly != null) {
                return cancelledEarly;
            }
        }
        double prefillMs;
        double exposedMs;
        synchronized (this) {
            prefillMs = prompt.prefillMs();
            exposedMs = Double.isNaN(clock) ? prefillMs : Math.max(0, prefillEnd - clock);
        }
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
            PhaseTimings timings = new PhaseTimings(queueMs, prefillMs, exposedMs, profile.decodeMs(n),
                    n == 0 ? 0 : exposedMs + profile.decodeMs(1));
            return CompletableFuture.completedFuture(new Generation(transcript.text(), reason, prompt.tokens(), n,
                    transcript.sumLogProb(), timings, null));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Generation.failed(String.valueOf(e), prompt.tokens(),
                    new PhaseTimings(0, prefillMs, exposedMs, 0, 0)));
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
