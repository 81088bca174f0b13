package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDManager;

/**
 * Where a session's keys and values are (scheduler thread only): in a {@link KvCache} of its own while its prompt is
 * prefilled, then in a row of the engine's {@link DecodeBatch} once it decodes; and which prompt ids they hold.
 */
final class SessionKv {

    private KvCache cache;
    private int[] cachedIds = new int[0];
    /** Decoding in the engine's decode batch (its keys and values live there, not in {@link #cache}). */
    private boolean inBatch;
    /** Prompt tokens copied from the engine's prefix cache instead of computed. */
    private int reusedTokens;

    /** Prompt tokens prefilled so far. */
    int cachedTokens() {
        return cachedIds.length;
    }

    /** How many leading ids of {@code target} the cache already holds. */
    int commonPrefix(int[] target) {
        int n = Math.min(cachedIds.length, target.length);
        int i = 0;
        while (i < n && cachedIds[i] == target[i]) {
            i++;
        }
        return i;
    }

    /** The session's cache, created if it has none, cut back to its first {@code keep} positions. */
    KvCache cutTo(int keep, NDManager manager, int layers) {
        if (cache == null) {
            cache = new KvCache(manager, layers);
        }
        cache.truncate(keep);
        return cache;
    }

    /** {@code tokens} more of the prompt came from the prefix cache. */
    void reused(int tokens) {
        reusedTokens += tokens;
    }

    /** Prompt tokens that came from the prefix cache, at most the prompt's length. */
    int reusedTokens() {
        return Math.min(reusedTokens, cachedIds.length);
    }

    /** The cache now holds the keys and values of {@code ids}. */
    void prefilled(int[] ids) {
        cachedIds = ids.clone();
    }

    boolean inBatch() {
        return inBatch;
    }

    /** Copies the prefilled cache into a new row of {@code batch} and frees it. */
    void joinBatch(DecodeBatch batch) {
        batch.add(cache);
        cache.close();
        cache = null;
        inBatch = true;
    }

    /** The session's row was dropped from the decode batch. */
    void leftBatch() {
        inBatch = false;
    }

    /** Positions the keys and values hold after {@code outputTokens} (the pending output token not yet among them). */
    int positions(int outputTokens) {
        if (inBatch) {
            return cachedIds.length + outputTokens - 1;
        }
        return cache == null ? 0 : cache.length();
    }

    /** Positions held in a cache of its own (outside the decode batch), which stays until the session closes. */
    int heldOutsideBatch() {
        return inBatch || cache == null ? 0 : cache.length();
    }

    /** Frees the session's own cache, if it has one. */
    void close() {
        if (cache != null) {
            cache.close();
            cache = null;
        }
    }
}
