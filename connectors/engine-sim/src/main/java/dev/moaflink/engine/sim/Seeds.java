package dev.moaflink.engine.sim;

/**
 * Stateless, hash-based random draws. Every draw is a pure function of (seed, an id, a purpose), so an output
 * does not depend on which thread or in which order sessions ran.
 */
final class Seeds {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private Seeds() {}

    /** SplitMix64's finaliser: a bijection that spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A 64-bit hash of {@code id} under {@code seed} (32-bit String.hashCode would collide on large runs). */
    static long hash(long seed, String id) {
        long h = mix(seed + GOLDEN);
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * FNV_PRIME;
        }
        return mix(h ^ id.length());
    }

    /** The draw for one purpose ({@code salt}) derived from a hashed id. */
    static long draw(long hashedId, long salt) {
        return mix(hashedId + salt * GOLDEN);
    }

    /** Uniform in [0, 1). */
    static double uniform(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, n). */
    static int below(long bits, int n) {
        return (int) ((bits >>> 1) % n);
    }

    /** Standard normal, by inverting the CDF at a uniform in (0, 1). */
    static double gaussian(long bits) {
        return Normal.inverseCdf(((bits >>> 11) + 0.5) * 0x1.0p-53);
    }

    /** The next state of a SplitMix64 stream (per-token draws without allocating a Random). */
    static long next(long state) {
        return state + GOLDEN;
    }
}
