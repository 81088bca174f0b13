package dev.moaflink.job.backchannel;

import dev.moaflink.engine.EngineSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;

/**
 * The backchannel of a job on a cluster: this JVM's {@link LocalBackchannel} for what runs beside the operator (the
 * fastest path: a cancel is a method call), and Flink's operator coordinators for agent operators on other
 * TaskManagers. A collector sends a stop that its JVM does not reach to its coordinator, which forwards it through the
 * job's {@link StopHub} to the agent subtasks it names; there it becomes a local stop ({@link #stopHere}).
 */
public final class ClusterBackchannel implements Backchannel {

    private final LocalBackchannel local;
    /** The operator's coordinator; null for an operator without one (it reaches this JVM only). */
    private final OperatorEventGateway coordinator;
    private final boolean alwaysRemote;
    private long remoteStops;

    ClusterBackchannel(LocalBackchannel local, OperatorEventGateway coordinator, boolean alwaysRemote) {
        this.local = local;
        this.coordinator = coordinator;
        this.alwaysRemote = alwaysRemote;
    }

    /**
     * Opens cluster backchannels.
     *
     * @param alwaysRemote stops go through the coordinators even to agents beside the collector (to test or measure
     *                     that path on one machine)
     */
    public static BackchannelFactory factory(boolean alwaysRemote) {
        return context -> new ClusterBackchannel(LocalBackchannel.acquire(context.scope()), context.coordinator(),
                alwaysRemote);
    }

    @Override
    public boolean stop(String queryId, String nodeId, List<AgentAddress> where) {
        List<AgentAddress> elsewhere = new ArrayList<>(where.size());
        boolean here = false;
        for (AgentAddress a : where) {
            if (!alwaysRemote && local.reaches(a)) {
                here = true;
            } else {
                elsewhere.add(a);
            }
        }
        boolean cancelled = here && local.stop(queryId, nodeId);
        if (!elsewhere.isEmpty() && coordinator != null) {
            coordinator.sendEventToCoordinator(new StopEvent(queryId, nodeId, elsewhere, StopEvent.nowMicros()));
            remoteStops += elsewhere.size();
        }
        return cancelled;
    }

    @Override
    public void stopHere(StopEvent stop) {
        local.stopHere(stop);
    }

    @Override
    public long remoteStops() {
        return remoteStops;
    }

    /** Reaches an agent operator beside it, or any other through the coordinators when it has one. */
    @Override
    public boolean reaches(AgentAddress agent) {
        return coordinator != null || local.reaches(agent);
    }

    @Override
    public void attach(AgentAddress agent) {
        local.attach(agent);
    }

    @Override
    public void detach(AgentAddress agent) {
        local.detach(agent);
    }

    @Override
    public void running(EngineSession session) {
        local.running(session);
    }

    @Override
    public void ended(EngineSession session) {
        local.ended(session);
    }

    @Override
    public boolean claimStop(String requestId) {
        return local.claimStop(requestId);
    }

    @Override
    public boolean isStopped(String requestId) {
        return local.isStopped(requestId);
    }

    @Override
    public void forget(String queryId) {
        local.forget(queryId);
    }

    @Override
    public AtomicIntegerArray inFlight(int subtask, String model, int replicas) {
        return local.inFlight(subtask, model, replicas);
    }

    @Override
    public void close() {
        local.close();
    }
}
