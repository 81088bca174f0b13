package dev.moaflink.engine.djl;

import java.util.function.LongUnaryOperator;

/**
 * KV memory budgeted in tokens ({@code kv_cache_mb} ÷ bytes per token): what it holds, what sessions have reserved,
 * what the {@link PrefixCache} holds (given back, least recently used first, when a reservation needs the room),
 * and which requests could never fit. Reservations change on the engine's scheduler thread only; the capacity and
 * {@link #refusal} are read from callers' threads too (they depend on nothing that changes).
 */
final class KvBudget {

    /** Tokens one session holds in the budget (changed only through its {@link KvBudget}). */
    static final class Reservation {

        private int tokens;

        int tokens() {
            return tokens;
        }
    }

    private final long capacityTokens;
    /** The model's context length in tokens (max positions). */
    private final int contextTokens;
    private final int kvCacheMb;
    private long reservedTokens;
    private long cachedTokens;
    /** Frees at least the given tokens of cached prefixes if it can; returns what it freed. */
    private LongUnaryOperator evictor = tokens -> 0;

    KvBudget(int kvCacheMb, HfConfig model) {
        this(kvCacheMb * 1024L * 1024L / model.kvBytesPerToken(), model.maxPositions(), kvCacheMb);
    }

    KvBudget(long capacityTokens, int contextTokens, int kvCacheMb) {
        this.capacityTokens = capacityTokens;
        this.contextTokens = contextTokens;
        this.kvCacheMb = kvCacheMb;
    }

    /** Tokens of KV cache the budget holds. */
    long capacityTokens() {
        return capacityTokens;
    }

    /** Tokens the sessions hold now, together. */
    long reservedTokens() {
        return reservedTokens;
    }

    /** Tokens of cached prefixes held now. */
    long cachedTokens() {
        return cachedTokens;
    }

    /** The prefix cache changed by {@code tokens} (negative: freed). */
    void cached(long tokens) {
        cachedTokens += tokens;
    }

    /** Where reservations get room held by cached prefixes. */
    void evictWith(LongUnaryOperator evictCached) {
        this.evictor = evictCached;
    }

    /** Tokens a generation reserves up front: prompt + max_tokens, capped at the context (it cannot grow beyond). */
    int generationTokens(int promptTokens, int maxTokens) {
        return Math.min(contextTokens, promptTokens + maxTokens);
    }

    /** Why a sequence of {@code promptTokens} that needs {@code neededTokens} of cache can never run, or null. */
    String refusal(int promptTokens, int neededTokens) {
        if (promptTokens >= contextTokens) {
            return "prompt of " + promptTokens + " tokens does not fit the model's context of " + contextTokens
                    + " tokens";
        }
        if (neededTokens > capacityTokens) {
            return "request needs " + neededTokens + " tokens of KV cache (" + promptTokens + " prompt + output), but "
                    + "the budget holds " + capacityTokens + " (kv_cache_mb=" + kvCacheMb + ")";
        }
        return null;
    }

    /**
     * Grows {@code r} to {@code tokens} if the budget has room for the growth, evicting cached prefixes for it;
     * false (nothing changes but the evictions) if not.
     */
    boolean reserve(Reservation r, int tokens) {
        long grow = Math.max(0, tokens - r.tokens);
        if (reservedTokens + grow > capacityTokens) {
            return false;
        }
        long short_ = reservedTokens + cachedTokens + grow - capacityTokens;
        if (short_ > 0 && evictor.applyAsLong(short_) < short_) {
            return false;
        }
        reservedTokens += grow;
        r.tokens += (int) grow;
        return true;
    }

    /** Gives back what {@code r} holds beyond {@code keptTokens} (0: all of it). */
    void shrink(Reservation r, long keptTokens) {
        long free = Math.max(0, r.tokens - keptTokens);
        reservedTokens -= free;
        r.tokens -= (int) free;
    }
}
