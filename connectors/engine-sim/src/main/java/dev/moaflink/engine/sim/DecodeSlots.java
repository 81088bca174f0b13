package dev.moaflink.engine.sim;

import java.util.ArrayDeque;

/**
 * The engine's decode slots (the {@code concurrency} option): at most {@code limit} sessions decode at once,
 * the others wait in FIFO order. Never blocks: a waiter is a callback run when a slot is handed to it.
 */
final class DecodeSlots {

    private final int limit;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int busy;

    /** @param limit slots; 0 means unlimited */
    DecodeSlots(int limit) {
        this.limit = limit;
    }

    /** Takes a slot now and returns true, or queues {@code onGranted} and returns false. */
    synchronized boolean acquire(Runnable onGranted) {
        if (limit == 0 || busy < limit) {
            busy++;
            return true;
        }
        waiting.add(onGranted);
        return false;
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
        return waiting.remove(onGranted);
    }

    /** Frees a slot, handing it to the longest waiter. The callback runs outside this object's lock. */
    void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                busy--;
            }
        }
        if (next != null) {
            next.run();
        }
    }
}
