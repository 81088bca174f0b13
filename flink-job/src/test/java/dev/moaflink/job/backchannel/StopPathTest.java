package dev.moaflink.job.backchannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.testing.RunningSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.messages.Acknowledge;
import org.apache.flink.runtime.operators.coordination.CoordinatorStore;
import org.apache.flink.runtime.operators.coordination.CoordinatorStoreImpl;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stop path between processes: a collector's channel, the coordinators on the JobManager, an agent's channel. */
@Timeout(10)
class StopPathTest {

    private static final AgentAddress LARGE = new AgentAddress("agent-L1-expert-large", 0);
    private static final AgentAddress SMALL = new AgentAddress("agent-L1-expert-small", 0);

    /** A coordinator context whose store is the job's, shared with the other coordinators. */
    private static OperatorCoordinator.Context context(CoordinatorStore store) {
        return new MockOperatorCoordinatorContext(new OperatorID(), 1) {
            @Override
            public CoordinatorStore getCoordinatorStore() {
                return store;
            }
        };
    }

    /** An agent subtask as its coordinator sees it: the events sent to it. */
    private static final class Subtask implements OperatorCoordinator.SubtaskGateway {
        final List<OperatorEvent> received = new ArrayList<>();

        @Override
        public CompletableFuture<Acknowledge> sendEvent(OperatorEvent event) {
            received.add(event);
            return CompletableFuture.completedFuture(Acknowledge.get());
        }

        @Override
        public ExecutionAttemptID getExecution() {
            return ExecutionAttemptID.randomId();
        }

        @Override
        public int getSubtask() {
            return 0;
        }
    }

    @Test
    void aStopTheCollectorsJvmDoesNotReachTravelsThroughTheCoordinatorsToTheAgentThatRunsIt() throws Exception {
        CoordinatorStore store = new CoordinatorStoreImpl();
        OperatorCoordinator agentCoordinator = new BackchannelCoordinator.Provider(new OperatorID(), LARGE.operatorId())
                .create(context(store));
        OperatorCoordinator collectorCoordinator = new BackchannelCoordinator.Provider(new OperatorID(), null)
                .create(context(store));
        agentCoordinator.start();
        collectorCoordinator.start();
        Subtask agent = new Subtask();
        agentCoordinator.executionAttemptReady(0, 0, agent);

        List<OperatorEvent> toCoordinator = new ArrayList<>();
        JobScope scope = new JobScope("job-" + System.nanoTime(), 0);
        ClusterBackchannel collector = (ClusterBackchannel) ClusterBackchannel.factory(false)
                .open(new BackchannelContext(scope, toCoordinator::add));
        collector.attach(SMALL); // the small expert runs beside the collector, the large one elsewhere
        RunningSession beside = new RunningSession("q1/L1.0");
        collector.running(beside);

        assertTrue(collector.stop("q1", "L1.0", List.of(SMALL)), "beside it: cancelled in the JVM");
        assertTrue(beside.cancelled());
        assertTrue(toCoordinator.isEmpty());

        assertFalse(collector.stop("q1", "L1.2", List.of(LARGE)), "elsewhere: sent on");
        StopEvent sent = (StopEvent) toCoordinator.get(0);
        assertEquals(List.of(LARGE), sent.targets());
        assertEquals(1, collector.remoteStops());
        collectorCoordinator.handleEventFromOperator(0, 0, sent);
        assertEquals(List.of(sent), agent.received, "the hub found the agent's subtask");

        // In the agent's process the stop becomes a local one: its running session is cancelled.
        ClusterBackchannel agentSide = (ClusterBackchannel) ClusterBackchannel.factory(false)
                .open(new BackchannelContext(new JobScope("agent-process-" + System.nanoTime(), 0), e -> { }));
        RunningSession large = new RunningSession("q1/L1.2");
        agentSide.running(large);
        agentSide.stopHere(sent);
        assertTrue(large.cancelled());

        agentCoordinator.executionAttemptFailed(0, 1, new RuntimeException("an older attempt's failure"));
        collectorCoordinator.handleEventFromOperator(0, 0, sent);
        assertEquals(2, agent.received.size(), "a failure of another attempt leaves the subtask reachable");
        agentCoordinator.executionAttemptFailed(0, 0, new RuntimeException("TaskManager lost"));
        collectorCoordinator.handleEventFromOperator(0, 0, sent);
        assertEquals(2, agent.received.size(), "a failed attempt is no longer sent stops");
        collector.close();
        agentSide.close();
    }

    @Test
    void theCoordinatorPathCanBeForcedForAgentsBesideTheCollector() {
        List<OperatorEvent> toCoordinator = new ArrayList<>();
        JobScope scope = new JobScope("job-" + System.nanoTime(), 0);
        try (Backchannel forced = ClusterBackchannel.factory(true).open(new BackchannelContext(scope,
                toCoordinator::add))) {
            forced.attach(SMALL);
            RunningSession beside = new RunningSession("q2/L1.0");
            forced.running(beside);
            assertFalse(forced.stop("q2", "L1.0", List.of(SMALL)));
            assertFalse(beside.cancelled(), "not cancelled in the JVM");
            assertEquals(1, toCoordinator.size());
            forced.stopHere((StopEvent) toCoordinator.get(0));
            assertTrue(beside.cancelled(), "but when the stop comes back from the coordinator");
        }
        try (Backchannel router = ClusterBackchannel.factory(false).open(BackchannelContext.local(scope))) {
            assertFalse(router.reaches(LARGE), "an operator without a coordinator reaches its JVM only");
        }
    }
}
