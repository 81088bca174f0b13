package dev.moaflink.engine.djl;

import dev.moaflink.engine.PhaseTimings;

/**
 * Where a session's time went, accumulated on the engine's scheduler thread (only there) and turned into the
 * {@link PhaseTimings} of its generation: waiting for KV memory, prefill (and the part of it a caller waited for),
 * decode, and the first token.
 */
final class PhaseTimer {

    private long queueNanos;
    private long waitingSinceNanos = -1;
    private long prefillNanos;
    private long prefillExposedNanos;
    private long decodeStartNanos;
    private long firstTokenNanos = -1;

    /** Its generate waits for KV memory (from the first time it did, until {@link #admitted}). */
    void waitingForMemory() {
        if (waitingSinceNanos < 0) {
            waitingSinceNanos = System.nanoTime();
        }
    }

    /** Its generate got its reservation: any wait for memory ends. */
    void admitted() {
        if (waitingSinceNanos >= 0) {
            queueNanos += System.nanoTime() - waitingSinceNanos;
            waitingSinceNanos = -1;
        }
    }

    /** A prefill forward pass took {@code nanos}, of which a caller waited {@code exposedNanos}. */
    void prefilled(long nanos, long exposedNanos) {
        prefillNanos += nanos;
        prefillExposedNanos += exposedNanos;
    }

    /** Prefill time so far (tests). */
    long prefillNanos() {
        return prefillNanos;
    }

    void decodeStarted() {
        decodeStartNanos = System.nanoTime();
    }

    /** A token was sampled; the first one sets the time to first token. */
    void tokenSampled() {
        if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime();
        }
    }

    /** The generation's timings, ending at {@code endNanos}, for a generate called at {@code calledNanos}. */
    PhaseTimings timings(long endNanos, long calledNanos) {
        double prefillMs = prefillNanos / 1e6;
        double decodeMs = decodeStartNanos == 0 ? 0 : (endNanos - decodeStartNanos) / 1e6;
        double firstMs = firstTokenNanos < 0 ? 0 : (firstTokenNanos - calledNanos) / 1e6;
        return new PhaseTimings(queueNanos / 1e6, prefillMs, prefillExposedNanos / 1e6, decodeMs, firstMs);
    }
}
