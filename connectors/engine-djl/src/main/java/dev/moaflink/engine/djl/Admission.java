package dev.moaflink.engine.djl;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Generate requests waiting, in order, for their whole reservation in the {@link KvBudget}: prompt + max_tokens
 * (capped at the context length), so that a decoding session never runs out. A request whose reservation does not fit
 * holds back those behind it; its wait is reported as queue time. Scheduler thread only.
 */
final class Admission {

    private final Deque<DjlSession> queue = new ArrayDeque<>();
    private final Collection<DjlSession> waiting = Collections.unmodifiableCollection(queue);
    private final KvBudget budget;
    /** Takes a cancelled request off the queue's head. */
    private final Consumer<DjlSession> cancelled;

    Admission(KvBudget budget, Consumer<DjlSession> cancelled) {
        this.budget = budget;
        this.cancelled = cancelled;
    }

    /** Queues a session's generate, whose prompt is {@code wholePrompt}. */
    void add(DjlSession s, int[] wholePrompt) {
        s.prompt().generateCalled(wholePrompt);
        queue.add(s);
    }

    void remove(DjlSession s) {
        queue.remove(s);
    }

    /** The requests waiting, oldest first (a read-only view). */
    Collection<DjlSession> waiting() {
        return waiting;
    }

    /**
     * The oldest request once its reservation is made, or null when none waits or the oldest does not fit yet;
     * cancelled requests at the head leave the queue on the way.
     */
    DjlSession next() {
        while (!queue.isEmpty()) {
            DjlSession s = queue.peek();
            if (s.cancelRequested()) {
                queue.poll();
                cancelled.accept(s);
                continue;
            }
            int needed = budget.generationTokens(s.prompt().wholeLength(), s.run().maxTokens());
            if (!budget.reserve(s.reservation(), needed)) {
                s.timer().waitingForMemory();
                return null;
            }
            queue.poll();
            s.timer().admitted();
            return s;
        }
        return null;
    }
}
