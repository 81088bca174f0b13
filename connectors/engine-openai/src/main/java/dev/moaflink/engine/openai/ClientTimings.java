package dev.moaflink.engine.openai;

import dev.moaflink.engine.PhaseTimings;

/**
 * A generation's phases, measured on the client's clock: queue = waiting for one of {@code max_concurrency} request
 * slots; exposed prefill = from generate to the first token, less queueing (a warm-up still running, the server's
 * queue and prefill of the part not cached, the first decode step, the network); prefill = the warm-ups' time before
 * generate plus the exposed prefill; decode = first to last token. Guarded by the session's monitor.
 */
final class ClientTimings {

    private final long generateAtNanos;
    private final long warmupNanos;
    private long queueNanos;
    private long firstTokenNanos = -1;

    /** @param warmupNanos time the session's warm-ups took before generate (prefill hidden from the caller) */
    ClientTimings(long generateAtNanos, long warmupNanos) {
        this.generateAtNanos = generateAtNanos;
        this.warmupNanos = warmupNanos;
    }

    /** A request waited this long for a slot (each attempt waits anew). */
    void queued(long nanos) {
        queueNanos += nanos;
    }

    /** A token arrived; only the first one counts. */
    void tokenAt(long nanos) {
        if (firstTokenNanos < 0) {
            firstTokenNanos = nanos;
        }
    }

    /** The phases of a generation that ended at {@code endNanos}. */
    PhaseTimings endAt(long endNanos) {
        double queueMs = queueNanos / 1e6;
        boolean streamed = firstTokenNanos >= 0;
        long prefillEnd = streamed ? firstTokenNanos : endNanos;
        double exposedMs = Math.max(0, (prefillEnd - generateAtNanos) / 1e6 - queueMs);
        return new PhaseTimings(queueMs, warmupNanos / 1e6 + exposedMs, exposedMs,
                streamed ? (endNanos - firstTokenNanos) / 1e6 : 0,
                streamed ? (firstTokenNanos - generateAtNanos) / 1e6 : 0);
    }
}
