package dev.moaflink.job.backchannel;

import dev.moaflink.engine.EngineSession;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backchannel inside one JVM: the operators of a job run that share a TaskManager process share one instance
 * ({@link #SHARED}), released when the last of them closes it. It reaches the agent operators of the same process
 * only: always with the fused layout (a query's whole path is one chained task) and in a MiniCluster; with per-model
 * operators on other TaskManagers {@link #reaches} says no, and a stop sent there finds nothing (the node then runs to
 * its end and is used as a normal input).
 *
 * <p>Tombstones of a query are dropped when its answer is emitted ({@link #forget}); those of a query answered in
 * another process expire after {@link #TOMBSTONE_TTL_MS}.
 */
public final class LocalBackchannel implements Backchannel {

    /** The in-JVM channel of each job run, shared by that run's operators in this process. */
    public static final BackchannelFactory SHARED = context -> acquire(context.scope());

    /** How long the unclaimed tombstones of a query whose answer this process never emits are kept. */
    static final long TOMBSTONE_TTL_MS = 600_000;
    private static final int SWEEP_EVERY = 1024;

    /** Guards itself and every shared channel's {@link #users}. */
    private static final Map<JobScope, LocalBackchannel> RUNS = new HashMap<>();

    private final JobScope scope;
    private int users;
    private final Set<AgentAddress> agents = ConcurrentHashMap.newKeySet();
    private final Map<String, EngineSession> running = new ConcurrentHashMap<>();
    /** Query id → its stopped node ids and their expiry. */
    private final Map<String, Stopped> tombstones = new ConcurrentHashMap<>();
    private final AtomicLong placed = new AtomicLong();
    private final Map<String, AtomicIntegerArray> inFlight = new ConcurrentHashMap<>();

    private record Stopped(Set<String> nodes, long expiresAtMs) {}

    /** A channel of its own, outside any job run (tests); closing it does nothing. */
    public LocalBackchannel() {
        this(null);
    }

    private LocalBackchannel(JobScope scope) {
        this.scope = scope;
    }

    /** The JVM's channel of job run {@code scope}; each call is a use, released by one close. */
    static LocalBackchannel acquire(JobScope scope) {
        synchronized (RUNS) {
            LocalBackchannel channel = RUNS.computeIfAbsent(scope, LocalBackchannel::new);
            channel.users++;
            return channel;
        }
    }

    @Override
    public void close() {
        if (scope == null) {
            return;
        }
        synchronized (RUNS) {
            if (--users == 0) {
                RUNS.remove(scope, this);
            }
        }
    }

    /** Job runs with a channel open in this JVM (tests check that closed jobs leave none). */
    static int openRuns() {
        synchronized (RUNS) {
            return RUNS.size();
        }
    }

    @Override
    public void attach(AgentAddress agent) {
        agents.add(agent);
    }

    @Override
    public void detach(AgentAddress agent) {
        agents.remove(agent);
    }

    @Override
    public boolean reaches(AgentAddress agent) {
        return agents.contains(agent);
    }

    @Override
    public void running(EngineSession session) {
        running.put(session.requestId(), session);
        if (!tombstones.isEmpty() && claimStop(session.requestId())) {
            session.cancel(); // stopped while it was being started
        }
    }

    @Override
    public void ended(EngineSession session) {
        running.remove(session.requestId(), session);
    }

    /** Stops the node in this JVM, wherever its agent operator runs in it ({@code where} is not needed here). */
    @Override
    public boolean stop(String queryId, String nodeId, List<AgentAddress> where) {
        return stop(queryId, nodeId);
    }

    @Override
    public void stopHere(StopEvent stop) {
        stop(stop.queryId(), stop.nodeId());
    }

    /** @return true when a running session was cancelled */
    public boolean stop(String queryId, String nodeId) {
        String requestId = queryId + "/" + nodeId;
        EngineSession s = running.get(requestId);
        if (s != null) {
            s.cancel();
            return true;
        }
        long now = System.currentTimeMillis();
        tombstones.computeIfAbsent(queryId, q -> new Stopped(ConcurrentHashMap.newKeySet(), now + TOMBSTONE_TTL_MS))
                .nodes().add(nodeId);
        if (placed.incrementAndGet() % SWEEP_EVERY == 0) {
            tombstones.values().removeIf(t -> t.expiresAtMs() < now);
        }
        s = running.get(requestId); // started between the two looks: running() may have missed the tombstone
        if (s != null && claimStop(requestId)) {
            s.cancel();
            return true;
        }
        return false;
    }

    @Override
    public boolean claimStop(String requestId) {
        return tombstone(requestId, true);
    }

    @Override
    public boolean isStopped(String requestId) {
        return tombstone(requestId, false);
    }

    private boolean tombstone(String requestId, boolean claim) {
        if (tombstones.isEmpty()) {
            return false;
        }
        int slash = requestId.lastIndexOf('/');
        Stopped t = tombstones.get(requestId.substring(0, slash));
        String node = requestId.substring(slash + 1);
        return t != null && (claim ? t.nodes().remove(node) : t.nodes().contains(node));
    }

    @Override
    public void forget(String queryId) {
        if (!tombstones.isEmpty()) {
            tombstones.remove(queryId);
        }
    }

    /** Queries with tombstones kept (tests check that answered queries leave none). */
    public int tombstonedQueries() {
        return tombstones.size();
    }

    @Override
    public AtomicIntegerArray inFlight(int subtask, String model, int replicas) {
        return inFlight.computeIfAbsent(subtask + "/" + model, k -> new AtomicIntegerArray(replicas));
    }
}
