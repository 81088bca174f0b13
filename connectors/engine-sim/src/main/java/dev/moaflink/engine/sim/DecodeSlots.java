package dev.moaflink.engine.sim;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The engine's decode slots (the {@code concurrency} option): at most {@code limit} sessions decode at once, the
 * others wait: in the order they came ({@code scheduling: fifo}), or the earliest-arrived query first
 * ({@code scheduling: query}, ties by query id). Never blocks: a waiter is a callback run when a slot is handed to it.
 */
final class DecodeSlots {

    /** Where a waiting session stands: its query's arrival and id, and when it asked. */
    private record Waiter(Runnable onGranted, long arrivalMs, String queryId, long seq) {}

    private final int limit;
    private final PriorityQueue<Waiter> waiting;
    private int busy;
    private long nextSeq;

    /**
     * @param limit      slots; 0 means unlimited
     * @param queryOrder serve the earliest-arrived query first, else the session that asked first
     */
    DecodeSlots(int limit, boolean queryOrder) {
        this.limit = limit;
        Comparator<Waiter> bySeq = Comparator.comparingLong(Waiter::seq);
        this.waiting = new PriorityQueue<>(queryOrder ? Comparator.comparingLong(Waiter::arrivalMs)
                .thenComparing(Waiter::queryId).thenComparing(bySeq) : bySeq);
    }

    DecodeSlots(int limit) {
        this(limit, false);
    }

    /** Takes a slot now and returns true, or queues {@code onGranted} and returns false. */
    synchronized boolean acquire(Runnable onGranted, long arrivalMs, String queryId) {
        if (limit == 0 || busy < limit) {
            busy++;
            return true;
        }
        waiting.add(new Waiter(onGranted, arrivalMs, queryId, nextSeq++));
        return false;
    }

    /** Takes a slot now and returns true, or queues {@code onGranted} in arrival order and returns false. */
    synchronized boolean acquire(Runnable onGranted) {
        return acquire(onGranted, 0, "");
    }

    /** Sessions waiting for a slot. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** Sessions holding a slot (decoding). */
    synchronized int busy() {
        return busy;
    }

    /** Removes a waiter; false when it is not queued (its slot has already been handed to it). */
    synchronized boolean withdraw(Runnable onGranted) {
        return waiting.removeIf(w -> w.onGranted() == onGranted);
    }

    /** Frees a slot, handing it to the first waiter. The callback runs outside this object's lock. */
    void release() {
        Waiter next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                busy--;
            }
        }
        if (next != null) {
            next.onGranted().run();
        }
    }
}
