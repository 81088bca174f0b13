package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * Runs the prompt pieces the {@link PrefillPlanner} picks through the model into the sessions' own caches, and
 * accounts their time. Scheduler thread only; its counters are read from any thread.
 */
final class PrefillRunner {

    private final NDManager manager;
    private final LlamaModel model;
    private volatile long calls;
    private volatile long tokens;

    PrefillRunner(NDManager manager, LlamaModel model) {
        this.manager = manager;
        this.model = model;
    }

    /**
     * Runs {@code target[common, end)} after the first {@code common} positions of the session's cache (cut back to
     * them). Returns the log-probs at the last position when the session's prompt is final (its first output token
     * comes from them), else null.
     */
    float[] run(DjlSession s, int[] target, int common) {
        boolean isFinal = s.prompt().isFinal();
        KvCache cache = s.kv().cutTo(common, manager, model.config().layers());
        long t0 = System.nanoTime();
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = model.prefill(step, Arrays.copyOfRange(target, common, target.length), cache,
                    isFinal ? ScriptedForward.Logits.LAST : ScriptedForward.Logits.NONE);
            s.kv().prefilled(target);
            calls++;
            tokens += target.length - common;
            if (isFinal) {
                float[] logProbs = logits.logSoftmax(-1).toFloatArray();
                long spent = System.nanoTime() - t0;
                s.timer().prefilled(spent, spent);
                return logProbs;
            }
        }
        long end = System.nanoTime();
        long called = s.generateCalledNanos();
        // Generate was already called (its command not yet run): this piece is on the caller's critical path.
        s.timer().prefilled(end - t0, called != 0 ? end - Math.max(t0, called) : 0);
        return null;
    }

    /** Prefill forward passes run so far. */
    long calls() {
        return calls;
    }

    /** Prompt tokens prefilled so far. */
    long tokens() {
        return tokens;
    }
}
