package dev.moaflink.engine.sim;

import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.GenerationTranscript;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.ArrayList;
import java.util.List;
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
 * ({@link VirtualWorkers}): {@code queueMs} is the worker's busy time before it. With {@code shared_gpu}, the
 * query's sessions on this model share one GPU ({@link SharedGpu}): prefill pieces wait for the GPU's prefill lane
 * ({@code queueMs} is the waiting after the caller's clock), and decode steps slow with the context decoding at
 * once; {@code kv_weight_tokens} alone slows each step with the session's own context.
 */
final class VirtualSession extends SimSession {

    private final String modelName;
    private final SharedGpu gpu;

    /** @param gpu the query's shared GPU; null: the session has a GPU of its own */
    VirtualSession(String modelName, SessionRequest request, QueryFacts facts, SimModel model, SimProfile profile,
                   SharedGpu gpu) {
        super(request, facts, model, profile);
        this.modelName = modelName;
        this.gpu = gpu;
    }

    // Guarded by this: the caller's clock, when the prefill queued so far ends on it, and its booked pieces.
    private double clock = Double.NaN;
    private double prefillEnd = Double.NaN;
    private final List<double[]> pieces = new ArrayList<>();

    @Override
    public synchronized void at(double clockMs) {
        if (Double.isNaN(clock)) {
            book(clockMs, prompt.prefillMs()); // the prefix starts prefilling at the first reading
        } else if (clockMs < clock) {
            throw new IllegalArgumentException("clock went back from " + clock + " to " + clockMs + " ms");
        }
        clock = clockMs;
    }

    @Override
    protected void appended(double prefillMs) {
        if (!Double.isNaN(clock)) {
            book(Math.max(prefillEnd, clock), prefillMs);
        }
    }

    /** Prefill work of {@code ms} asked for at {@code at}: on the shared GPU's lane, or at once. */
    private void book(double at, double ms) {
        double start = gpu == null ? at : gpu.bookPrefill(at, ms);
        pieces.add(new double[] {start, start + ms});
        prefillEnd = start + ms;
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
        double waitedMs;
        double ready;
        synchronized (this) {
            prefillMs = prompt.prefillMs();
            if (Double.isNaN(clock)) {
                clock = 0;
                book(0, prefillMs); // every call at t = 0
            }
            ready = clock;
            double decodeStart = Math.max(ready, prefillEnd);
            // After the inputs were ready: prefill work still to do (exposed) and waiting for the GPU (queue).
            exposedMs = 0;
            for (double[] piece : pieces) {
                exposedMs += Math.max(0, Math.min(piece[1], decodeStart) - Math.max(piece[0], ready));
            }
            waitedMs = decodeStart - ready - exposedMs;
        }
        try {
            OutputTokens output = model.respond(request, facts, prompt.text());
            GenerationTranscript transcript = new GenerationTranscript(params, output.length());
            FinishReason reason = null;
            while (reason == null) {
                if (stopRequested) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                Token token = output.next();
                reason = add(transcript, token, !output.hasNext());
                listener.onToken(token);
            }
            int n = transcript.tokens();
            PhaseTimings timings;
            if (profile.stepwiseDecode()) {
                double start = ready + waitedMs + exposedMs;
                double[] end = gpu == null
                        ? SharedGpu.decodeAlone(start, n, prompt.tokens(), profile.decodeMs(1), profile.kvWeightTokens())
                        : gpu.decode(start, n, prompt.tokens(), profile.decodeMs(1), profile.kvWeightTokens());
                timings = new PhaseTimings(waitedMs, prefillMs, exposedMs, end[0] - start,
                        n == 0 ? 0 : end[1] - ready);
            } else {
                double queueMs = profile.worker().isEmpty() ? 0
                        : VirtualWorkers.charge(profile.worker(), modelName, prefillMs + profile.decodeMs(n));
                timings = new PhaseTimings(queueMs, prefillMs, exposedMs, profile.decodeMs(n),
                        n == 0 ? 0 : exposedMs + profile.decodeMs(1));
            }
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
