package dev.moaflink.job.backchannel;

import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's coordinator on the JobManager for the cross-process stop path. An agent operator's coordinator makes
 * its ready subtasks reachable in the job's {@link StopHub}; a collector's forwards the stops its subtasks send to the
 * agent subtasks they name. Nothing of it is checkpointed: a stop in flight during a failover is lost, and the
 * queries it concerned run again from the last checkpoint.
 */
public final class BackchannelCoordinator implements OperatorCoordinator {

    private static final Logger LOG = LoggerFactory.getLogger(BackchannelCoordinator.class);

    private final Context context;
    /** The agent operator's uid when this coordinates one; null for a collector. */
    private final String agentOperatorId;
    private StopHub hub;
    private Counter routed;
    private Counter unroutable;

    private BackchannelCoordinator(Context context, String agentOperatorId) {
        this.context = context;
        this.agentOperatorId = agentOperatorId;
    }

    @Override
    public void start() {
        hub = StopHub.of(context.getCoordinatorStore());
        if (agentOperatorId == null) {
            routed = context.metricGroup().counter("stopsRouted");
            unroutable = context.metricGroup().counter("stopsUnroutable");
        }
    }

    @Override
    public void close() {}

    @Override
    public void handleEventFromOperator(int subtask, int attempt, OperatorEvent event) {
        if (event instanceof StopEvent stop) {
            routed.inc(hub.route(stop, target -> {
                unroutable.inc();
                LOG.debug("Stop of {}/{} found no running subtask {}", stop.queryId(), stop.nodeId(), target);
            }));
        }
    }

    @Override
    public void executionAttemptReady(int subtask, int attempt, SubtaskGateway gateway) {
        if (agentOperatorId != null) {
            hub.ready(new AgentAddress(agentOperatorId, subtask), attempt, gateway);
        }
    }

    @Override
    public void executionAttemptFailed(int subtask, int attempt, Throwable reason) {
        if (agentOperatorId != null) {
            hub.gone(new AgentAddress(agentOperatorId, subtask), attempt);
        }
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        if (agentOperatorId != null) {
            hub.reset(new AgentAddress(agentOperatorId, subtask));
        }
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        result.complete(new byte[0]);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    @Override
    public void resetToCheckpoint(long checkpointId, byte[] checkpointData) {}

    /** Creates the coordinator of one operator. */
    public static final class Provider implements OperatorCoordinator.Provider {

        private static final long serialVersionUID = 1L;

        private final OperatorID operatorId;
        private final String agentOperatorId;

        /** @param agentOperatorId the agent operator's uid, or null for a collector */
        public Provider(OperatorID operatorId, String agentOperatorId) {
            this.operatorId = operatorId;
            this.agentOperatorId = agentOperatorId;
        }

        @Override
        public OperatorID getOperatorId() {
            return operatorId;
        }

        @Override
        public OperatorCoordinator create(Context context) {
            return new BackchannelCoordinator(context, agentOperatorId);
        }
    }
}
