package dev.moaflink.engine.openai;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * A counting semaphore whose acquire never blocks: it returns a future completed when a permit is granted, so
 * callers (which must not block, see {@link dev.moaflink.engine.EngineSession}) chain their request on it.
 * Urgent waiters (generations: someone waits for their tokens) are served before the others (warm-ups, which
 * only save time). Cancelling a waiting future withdraws it; a future completed by a grant holds a permit that
 * its owner must {@link #release()}.
 */
final class AsyncPermits {

    private final int permits;
    private int used;
    private final Deque<CompletableFuture<Void>> urgent = new ArrayDeque<>();
    private final Deque<CompletableFuture<Void>> others = new ArrayDeque<>();

    AsyncPermits(int permits) {
        this.permits = permits;
    }

    CompletableFuture<Void> acquire(boolean isUrgent) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (used < permits) {
                used++;
                f.complete(null);
                return f;
            }
            (isUrgent ? urgent : others).add(f);
        }
        f.whenComplete((v, e) -> {
            if (f.isCancelled()) {
                synchronized (this) {
                    urgent.remove(f);
                    others.remove(f);
                }
            }
        });
        return f;
    }

    /** Hands the permit to the next waiter, or returns it. */
    void release() {
        while (true) {
            CompletableFuture<Void> next;
            synchronized (this) {
                next = urgent.poll();
                if (next == null) {
                    next = others.poll();
                }
                if (next == null) {
                    used--;
                    return;
                }
            }
            // Completed outside the lock: the waiter's request is sent from here.
            if (next.complete(null)) {
                return;
            }
        }
    }

    /** Requests waiting for a permit now. */
    synchronized int waiting() {
        return urgent.size() + others.size();
    }

    /** Permits held now. */
    synchronized int inUse() {
        return used;
    }
}
