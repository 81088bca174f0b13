package dev.moaflink.job.operators;

import dev.moaflink.engine.EngineSession;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cancel path of early termination and of settled bypasses. Flink job graphs are acyclic, so a collector cannot
 * send a record back to the agent operator that runs a sibling; instead every agent operator registers the engine
 * sessions it is running here, in its TaskManager JVM, keyed by request id ({@code queryId/nodeId}), and a collector
 * that decides to stop a node cancels its session directly. The session then finishes with CANCELLED through the
 * agent operator's normal path, so the node's trace still reaches the collector, marked CANCELLED.
 *
 * <p>A node that is not running yet (an aggregator whose own inputs still decode, or a call still queued) gets a
 * tombstone instead: when its call reaches an agent operator of this JVM it is answered CANCELLED at once, without
 * an engine call, and a session that registers while tombstoned is cancelled as it registers. A query's tombstones
 * are dropped when its answer is emitted ({@link #forget}); those of a query answered elsewhere expire after
 * {@link #TOMBSTONE_TTL_MS}.
 *
 * <p>This reaches agents in the collector's JVM: always with the fused layout (the whole per-query path is one
 * chained task) and in a MiniCluster; with per-model operators on other TaskManagers the cancel finds nothing,
 * the node runs to its end and is used as a normal input (counted in {@link #missed()}).
 */
public final class RunningAgents {

    /** How long the unclaimed tombstones of a query whose answer this JVM never emits are kept. */
    static final long TOMBSTONE_TTL_MS = 600_000;
    private static final int SWEEP_EVERY = 1024;

    private static final Map<String, EngineSession> RUNNING = new ConcurrentHashMap<>();
    /** Query id → its stopped node ids and their expiry. */
    private static final Map<String, Stopped> TOMBSTONES = new ConcurrentHashMap<>();
    private static final AtomicLong MISSED = new AtomicLong();
    private static final AtomicLong PLACED = new AtomicLong();

    private record Stopped(Set<String> nodes, long expiresAtMs) {}

    private RunningAgents() {}

    static void register(EngineSession session) {
        RUNNING.put(session.requestId(), session);
        if (!TOMBSTONES.isEmpty() && claimTombstone(session.requestId())) {
            session.cancel(); // stopped while it was being started
        }
    }

    static void unregister(EngineSession session) {
        RUNNING.remove(session.requestId(), session);
    }

    /** Cancels the running session of {@code requestId}; false when none runs in this JVM. */
    public static boolean cancel(String requestId) {
        EngineSession s = RUNNING.get(requestId);
        if (s == null) {
            MISSED.incrementAndGet();
            return false;
        }
        s.cancel();
        return true;
    }

    /**
     * Stops node {@code nodeId} of query {@code queryId} wherever it is in this JVM: cancels its session if it runs,
     * else leaves a tombstone that its call (or its session, should it register meanwhile) finds when it arrives.
     *
     * @return true when a running session was cancelled
     */
    public static boolean stop(String queryId, String nodeId) {
        String requestId = queryId + "/" + nodeId;
        EngineSession s = RUNNING.get(requestId);
        if (s != null) {
            s.cancel();
            return true;
        }
        long now = System.currentTimeMillis();
        TOMBSTONES.computeIfAbsent(queryId, q -> new Stopped(ConcurrentHashMap.newKeySet(), now + TOMBSTONE_TTL_MS))
                .nodes().add(nodeId);
        if (PLACED.incrementAndGet() % SWEEP_EVERY == 0) {
            TOMBSTONES.values().removeIf(t -> t.expiresAtMs() < now);
        }
        s = RUNNING.get(requestId); // registered between the two looks: register may have missed the tombstone
        if (s != null && claimTombstone(requestId)) {
            s.cancel();
            return true;
        }
        return false;
    }

    /** Whether {@code requestId} was stopped before its call arrived; claims (removes) the tombstone. */
    static boolean claimTombstone(String requestId) {
        return tombstone(requestId, true);
    }

    /** Whether {@code requestId} was stopped before its call arrived, leaving the tombstone in place. */
    static boolean isTombstoned(String requestId) {
        return tombstone(requestId, false);
    }

    private static boolean tombstone(String requestId, boolean claim) {
        if (TOMBSTONES.isEmpty()) {
            return false;
        }
        int slash = requestId.lastIndexOf('/');
        Stopped t = TOMBSTONES.get(requestId.substring(0, slash));
        String node = requestId.substring(slash + 1);
        return t != null && (claim ? t.nodes().remove(node) : t.nodes().contains(node));
    }

    /** Drops a query's tombstones: its answer is out, so no call of it is still coming. */
    public static void forget(String queryId) {
        if (!TOMBSTONES.isEmpty()) {
            TOMBSTONES.remove(queryId);
        }
    }

    /** Cancels that found no session in this JVM since it started. */
    public static long missed() {
        return MISSED.get();
    }

    /** Queries with tombstones kept (tests check that answered queries leave none). */
    static int tombstonedQueries() {
        return TOMBSTONES.size();
    }
}
