package dev.moaflink.engine.djl;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Consumer;

/**
 * Generate requests waiting for their whole reservation in the {@link KvBudget}: prompt + max_tokens (capped at the
 * context length), so that a decoding session never runs out. They are admitted in the engine's {@link QueryOrder};
 * a request whose reservation does not fit holds back those after it (so that a large one is not starved); its wait
 * is reported as queue time. Scheduler thread only.
 */
final class Admission {

    private final Deque<DjlSession> queue = new ArrayDeque<>();
    private final Collection<DjlSession> waiting = Collections.unmodifiableCollection(queue);
    private final KvBudget budget;
    private final QueryOrder order;
    /** Takes a cancelled request off the queue. */
    private final Consumer<DjlSession> cancelled;

    Admission(KvBudget budget, QueryOrder order, Consumer<DjlSession> cancelled) {
        this.budget = budget;
        this.order = order;
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

    /** The requests waiting, in the order they came (a read-only view). */
    Collection<DjlSession> waiting() {
        return waiting;
    }

    /**
     * The first request in the engine's order once its reservation is made, or null when none waits or that one does
     * not fit yet; cancelled requests leave the queue on the way.
     */
    DjlSession next() {
        if (queue.isEmpty()) {
            return null;
        }
        for (Iterator<DjlSession> it = queue.iterator(); it.hasNext(); ) {
            DjlSession s = it.next();
            if (s.cancelRequested()) {
                it.remove();
                cancelled.accept(s);
            }
        }
        DjlSession s = queue.stream().min(order.comparator(System.currentTimeMillis())).orElse(null);
        if (s == null) {
            return null;
        }
        int needed = budget.generationTokens(s.prompt().wholeLength(), s.run().maxTokens());
        if (!budget.reserve(s.reservation(), needed)) {
            s.timer().waitingForMemory();
            return null;
        }
        queue.remove(s);
        s.timer().admitted();
        return s;
    }
}
