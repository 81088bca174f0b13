package dev.moaflink.engine.djl;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which work the engine serves first when sessions compete for admission, prefill and the decode batch (option
 * {@code scheduling}). A query's agents reach one engine as several sessions over time; serving sessions in the order
 * they came makes every query of a burst advance in lock-step, so the first waits for the last. Serving by query
 * finishes earlier queries first at the same total work:
 * <ul>
 *   <li>{@code query} (default): earliest-arrived query first (its arrival time from the request, else when this engine
 *       first saw it; queries that arrived in the same millisecond by id, so that every engine of the JVM orders them
 *       alike), then the session that came first. Waiting is bounded: every query becomes the oldest.</li>
 *   <li>{@code attained}: least attained service per query first (tokens this engine prefilled and decoded for it,
 *       program-level as in Autellix), then arrival; a query waiting longer than {@link #STARVATION_MS} goes first.</li>
 *   <li>{@code fifo}: the session that came first, whatever its query.</li>
 * </ul>
 * Scheduler thread only.
 */
final class QueryOrder {

    /** The scheduling policies (option {@code scheduling}). */
    enum Policy {
        QUERY, ATTAINED, FIFO;

        static Policy named(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scheduling must be query, attained or fifo, was " + name);
            }
        }
    }

    /** Under {@code attained}, a query that arrived this long ago is served first (bounded waiting). */
    static final long STARVATION_MS = 10_000;

    /** What the order compares: a session's query ticket and its own place among sessions. */
    interface Ordered {

        Ticket ticket();

        long orderSeq();
    }

    /**
     * A query with sessions in this engine: its place in the order (arrival, then id: the same in every engine) and
     * the service it has had.
     */
    static final class Ticket implements Comparable<Ticket> {

        private final long arrivalMs;
        private final String queryId;
        private long attainedTokens;
        private int sessions;

        Ticket(long arrivalMs, String queryId) {
            this.arrivalMs = arrivalMs;
            this.queryId = queryId;
        }

        @Override
        public int compareTo(Ticket other) {
            int c = Long.compare(arrivalMs, other.arrivalMs);
            return c != 0 ? c : queryId.compareTo(other.queryId);
        }

        /** Tokens prefilled or decoded for the query here. */
        void served(int tokens) {
            attainedTokens += tokens;
        }

        long attainedTokens() {
            return attainedTokens;
        }
    }

    private final Policy policy;
    private final Map<String, Ticket> tickets = new HashMap<>();
    private long nextSession;

    QueryOrder(Policy policy) {
        this.policy = policy;
    }

    Policy policy() {
        return policy;
    }

    /** Enters a session into the order (its first command): its query's ticket, shared by the query's sessions. */
    void join(DjlSession s) {
        if (s.ticket() != null) {
            return;
        }
        String query = s.queryId();
        Ticket t = tickets.get(query);
        if (t == null) {
            long arrival = s.queryArrivalMs() > 0 ? s.queryArrivalMs() : System.currentTimeMillis();
            t = new Ticket(arrival, query);
            tickets.put(query, t);
        }
        t.sessions++;
        s.ordered(t, nextSession++);
    }

    /** A session was released (once or more): its query's ticket goes with its last session. */
    void leave(DjlSession s) {
        Ticket t = s.ticket();
        if (t != null && s.leaveOrder() && --t.sessions == 0) {
            tickets.remove(s.queryId(), t);
        }
    }

    /** Queries with sessions here now (tests). */
    int queries() {
        return tickets.size();
    }

    /** The order of the policy, first served first, as of {@code nowMs}. */
    Comparator<Ordered> comparator(long nowMs) {
        Comparator<Ordered> bySession = Comparator.comparingLong(Ordered::orderSeq);
        Comparator<Ordered> byQuery = Comparator.<Ordered, Ticket>comparing(Ordered::ticket).thenComparing(bySession);
        Comparator<Ordered> byService = Comparator.<Ordered>comparingLong(s -> s.ticket().attainedTokens)
                .thenComparing(byQuery);
        return switch (policy) {
            case FIFO -> bySession;
            case QUERY -> byQuery;
            case ATTAINED -> (a, b) -> {
                boolean starvedA = nowMs - a.ticket().arrivalMs > STARVATION_MS;
                boolean starvedB = nowMs - b.ticket().arrivalMs > STARVATION_MS;
                if (starvedA != starvedB) {
                    return starvedA ? -1 : 1;
                }
                return starvedA ? byQuery.compare(a, b) : byService.compare(a, b);
            };
        };
    }
}
