package dev.moaflink.job.backchannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.testing.RunningSession;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LocalBackchannelTest {

    @Test
    void theOperatorsOfAJobRunShareOneChannelUntilTheLastClosesIt() {
        int before = LocalBackchannel.openRuns();
        JobScope run = new JobScope("job-a", 0);
        Backchannel router = LocalBackchannel.SHARED.open(BackchannelContext.local(run));
        Backchannel collector = LocalBackchannel.SHARED.open(BackchannelContext.local(run));
        assertSame(router, collector);
        try (Backchannel restarted = LocalBackchannel.SHARED.open(BackchannelContext.local(new JobScope("job-a", 1)))) {
            assertNotSame(router, restarted, "a restarted run starts afresh");
        }
        router.inFlight(0, "m", 2).incrementAndGet(1);
        router.close();
        assertEquals(1, collector.inFlight(0, "m", 2).get(1), "still open for the collector");
        collector.close();
        assertEquals(before, LocalBackchannel.openRuns(), "released with its last user");
    }

    /** Two jobs in one JVM answer the same query ids: a stop in one never reaches the other. */
    @Test
    void jobsRunningSideBySideDoNotStopEachOthersNodes() {
        try (Backchannel dense = LocalBackchannel.SHARED.open(BackchannelContext.local(new JobScope("dense", 0)));
             Backchannel tree = LocalBackchannel.SHARED.open(BackchannelContext.local(new JobScope("tree", 0)))) {
            RunningSession inDense = new RunningSession("q1/L1.2");
            RunningSession inTree = new RunningSession("q1/L1.2");
            dense.running(inDense);
            tree.running(inTree);
            assertTrue(tree.stop("q1", "L1.2", List.of()));
            assertTrue(inTree.cancelled());
            assertFalse(inDense.cancelled(), "the same query id in another job");
            tree.stop("q1", "L2.0", List.of());
            assertFalse(dense.isStopped("q1/L2.0"));
            assertTrue(tree.isStopped("q1/L2.0"));
        }
    }

    @Test
    void aStopBeforeTheNodeRunsIsATombstoneItsCallClaimsOrItsSessionFinds() {
        LocalBackchannel channel = new LocalBackchannel();
        assertFalse(channel.stop("q1", "L2.0"), "nothing running: a tombstone");
        assertTrue(channel.isStopped("q1/L2.0"));
        assertTrue(channel.claimStop("q1/L2.0"));
        assertFalse(channel.claimStop("q1/L2.0"), "claimed once");

        channel.stop("q1", "L2.1");
        RunningSession late = new RunningSession("q1/L2.1");
        channel.running(late);
        assertTrue(late.cancelled(), "a session that starts after its stop is cancelled as it registers");

        channel.stop("q2", "L1.0");
        assertEquals(2, channel.tombstonedQueries());
        channel.forget("q2");
        channel.forget("q1");
        assertEquals(0, channel.tombstonedQueries(), "an answered query leaves nothing");

        RunningSession ended = new RunningSession("q3/L1.0");
        channel.running(ended);
        channel.ended(ended);
        assertFalse(channel.stop("q3", "L1.0"), "an ended call is no longer stopped through the channel");
        assertFalse(ended.cancelled());
    }

    @Test
    void reachesOnlyAttachedAgentOperators() {
        LocalBackchannel channel = new LocalBackchannel();
        AgentAddress agents = new AgentAddress("agents-L1", 0);
        assertFalse(channel.reaches(agents));
        channel.attach(agents);
        assertTrue(channel.reaches(agents));
        assertFalse(channel.reaches(new AgentAddress("agents-L1", 1)), "another subtask, maybe another process");
        channel.detach(agents);
        assertFalse(channel.reaches(agents));
    }
}
