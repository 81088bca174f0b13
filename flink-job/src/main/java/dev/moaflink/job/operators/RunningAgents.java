package dev.moaflink.job.operators;

import dev.moaflink.engine.EngineSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cancel path of early termination. Flink job graphs are acyclic, so a collector cannot send a record back
 * to the agent operator that runs a sibling; instead every agent operator registers the engine sessions it is
 * running here, in its TaskManager JVM, keyed by request id ({@code queryId/nodeId}), and a collector that
 * decides to stop a sibling cancels its session directly. The session then finishes with CANCELLED through
 * the agent operator's normal path, so the sibling's trace still reaches the collector, marked CANCELLED.
 *
 * <p>This reaches agents in the collector's JVM: always with the fused layout (the whole per-query path is one
 * chained task) and in a MiniCluster; with per-model operators on other TaskManagers the cancel finds nothing,
 * the sibling runs to its end and is used as a normal input (counted in {@link #missed()}).
 */
public final class RunningAgents {

    private static final Map<String, EngineSession> RUNNING = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong MISSED = new java.util.concurrent.atomic.AtomicLong();

    private RunningAgents() {}

    static void register(EngineSession session) {
        RUNNING.put(session.requestId(), session);
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

    /** Cancels that found no session in this JVM since it started. */
    public static long missed() {
        return MISSED.get();
    }
}
