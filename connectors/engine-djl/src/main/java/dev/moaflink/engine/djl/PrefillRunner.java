package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * Runs the prompt pieces the {@link PrefillPlanner} picks through the model into the sessions' own caches, and
 * accounts their time. A piece whose start the {@link PrefixCache} holds longer than the session's cache does is
 * copied from there, and only the rest is computed; what was computed goes into the prefix cache. Scheduler thread
 * only; its counters are read from any thread.
 */
final class PrefillRunner {

    private final NDManager manager;
    private final LlamaModel model;
    /** Null when prefix caching is off. */
    private final PrefixCache prefixes;
    private volatile long calls;
    private volatile long tokens;
    private volatile long reusedTokens;

    PrefillRunner(NDManager manager, LlamaModel model, PrefixCache prefixes) {
        this.manager = manager;
        this.model = model;
        this.prefixes = prefixes;
    }

    /**
     * Brings the session's cache to {@code target} after its first {@code common} positions (cut back to them):
     * from the prefix cache as far as it holds {@code target}, then through the model. Returns the log-probs at the
     * last position when {@code target} completes the session's final prompt (its first output token comes from
     * them), else null.
     */
    float[] run(DjlSession s, int[] target, int common, boolean isFinal) {
        long t0 = System.nanoTime();
        int layers = model.config().layers();
        // The last token of a final prompt always runs: its logits give the first output token.
        int limit = isFinal ? target.length - 1 : target.length;
        PrefixCache.Match hit = prefixes == null || common >= limit ? PrefixCache.Match.NONE
                : prefixes.match(target, limit);
        KvCache cache;
        if (hit.tokens() > common) {
            cache = s.kv().cutTo(0, manager, layers);
            prefixes.load(hit, cache);
            s.kv().prefilled(Arrays.copyOf(target, hit.tokens()));
            s.kv().reused(hit.tokens() - common);
            reusedTokens += hit.tokens() - common;
            common = hit.tokens();
            if (common == target.length) { // a piece of speculative text, all of it cached
                s.timer().prefilled(System.nanoTime() - t0, 0);
                return null;
            }
        } else {
            cache = s.kv().cutTo(common, manager, layers);
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = model.prefill(step, Arrays.copyOfRange(target, common, target.length), cache,
                    isFinal ? ScriptedForward.Logits.LAST : ScriptedForward.Logits.NONE);
            s.kv().prefilled(target);
            calls++;
            tokens += target.length - common;
            s.ticket().served(target.length - common);
            if (prefixes != null) {
                prefixes.insert(target, target.length, cache);
            }
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

    /** Prompt tokens prefilled so far (computed). */
    long tokens() {
        return tokens;
    }

    /** Prompt tokens copied from the prefix cache instead of computed, so far. */
    long reusedTokens() {
        return reusedTokens;
    }
}
