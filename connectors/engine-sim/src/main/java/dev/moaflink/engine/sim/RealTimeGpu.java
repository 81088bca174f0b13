package dev.moaflink.engine.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU that serves a simulated model in real time when its sessions share one ({@code shared_gpu} with
 * {@code time: real}), as a continuous-batching server does across all the queries in flight:
 * <ul>
 *   <li><b>prefill</b> is compute-bound: prefills run one at a time, in the order they are booked;</li>
 *   <li><b>decode</b> is bound by memory bandwidth: a step reads the weights once for the batch plus every decoding
 *       sequence's KV cache, so a token takes {@code (1000 / decode_tps) * (1 + C / kv_weight_tokens)} ms, where
 *       {@code C} is the context (prompt + output so far) of every session decoding now;</li>
 *   <li><b>prefix caching</b>: a prompt whose start another session of the same query prefilled recently (the
 *       copies of a model at a level, the aggregators' shared instruction and question) costs prefill only for
 *       the rest, as with vLLM's automatic prefix caching (option {@code prefix_cache}).</li>
 * </ul>
 * Thread-safe.
 */
final class RealTimeGpu {

    /** Queries whose prompt prefixes are remembered: far more than a job has in flight. */
    private static final int MAX_QUERIES = 4096;

    private final double kvWeightTokens;
    private final boolean prefixCache;
    private long prefillFreeAt;
    private long decodingContext;
    private final Map<String, List<String>> prefixes = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
            return size() > MAX_QUERIES;
        }
    };

    RealTimeGpu(double kvWeightTokens, boolean prefixCache) {
        this.kvWeightTokens = kvWeightTokens;
        this.prefixCache = prefixCache;
    }

    /** Books {@code ms} of prefill starting no earlier than {@code notBefore} (System.nanoTime); returns its end. */
    synchronized long bookPrefill(long notBefore, double ms) {
        long start = Math.max(Math.max(notBefore, System.nanoTime()), prefillFreeAt);
        prefillFreeAt = start + (long) (ms * 1e6);
        return prefillFreeAt;
    }

    /** A session with {@code contextTokens} of context started (positive) or stopped (negative) decoding. */
    synchronized void decoding(long contextTokens) {
        decodingContext += contextTokens;
    }

    /** One decode step at {@code decodeTps} for one session, slowed by the context decoding now. */
    synchronized long stepNanos(double decodeTps) {
        double slowdown = Double.isInfinite(kvWeightTokens) ? 1 : 1 + decodingContext / kvWeightTokens;
        return (long) (1e9 / decodeTps * slowdown);
    }

    /**
     * The prompt tokens of {@code prefix} that a session of {@code queryId} prefilled before (the longest start it
     * shares with one of them), remembering {@code prefix} for the sessions after it.
     */
    synchronized int cachedTokens(String queryId, String prefix) {
        if (!prefixCache) {
            return 0;
        }
        List<String> seen = prefixes.computeIfAbsent(queryId, q -> new ArrayList<>());
        int best = 0;
        for (String p : seen) {
            best = Math.max(best, commonPrefix(p, prefix));
        }
        seen.add(prefix);
        // Whole tokens only, and never the last one: its logits give the first output token.
        return Math.max(0, Math.min(best / Prompt.CHARS_PER_TOKEN, Prompt.tokens(prefix) - 1));
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }
}
