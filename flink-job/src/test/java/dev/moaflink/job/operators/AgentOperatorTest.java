package dev.moaflink.job.operators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.backchannel.AgentAddress;
import dev.moaflink.job.backchannel.LocalBackchannel;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.testing.ScriptedEngine;
import dev.moaflink.schema.NodeStatus;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AgentOperatorTest {

    private static final long TIMEOUT_MS = 1_000;

    @BeforeEach
    @AfterEach
    void reset() {
        ScriptedEngine.reset();
    }

    private static AgentSpec spec(String mode, int capacity) {
        return AgentSpec.single(new EngineSpec("scripted", "a", Map.of("mode", mode)), 1, "w0",
                new JobConfig.AgentSettings(capacity, TIMEOUT_MS, 2, 64, 0.0, 1.0, 0, JobConfig.Layout.FUSED));
    }

    /** Two retries, 100 ms backoff (then 200 ms). */
    private static AgentSpec retrying(String mode) {
        return AgentSpec.single(new EngineSpec("scripted", "a", Map.of("mode", mode)), 1, "w0",
                new JobConfig.AgentSettings(4, TIMEOUT_MS, 2, 64, 0.0, 1.0, 0, JobConfig.Layout.FUSED, 2, 100));
    }

    /** Where the collectors of these tests would stop the operator's calls. */
    private final LocalBackchannel channel = new LocalBackchannel();

    private OneInputStreamOperatorTestHarness<AgentCall, AgentChunk> harness(AgentSpec spec) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new AgentOperatorFactory(spec, scope -> channel),
                TypeInformation.of(AgentCall.class).createSerializer(new SerializerConfigImpl()));
    }

    private static AgentOperator operator(OneInputStreamOperatorTestHarness<AgentCall, AgentChunk> h) {
        return (AgentOperator) h.getOneInputOperator();
    }

    private static void drainMailbox(OneInputStreamOperatorTestHarness<?, ?> h) throws Exception {
        var mailbox = h.getTaskMailbox();
        var mail = mailbox.tryTake(org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox.MIN_PRIORITY);
        while (mail.isPresent()) {
            mail.get().run();
            mail = mailbox.tryTake(org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox.MIN_PRIORITY);
        }
    }

    private static void finishOffThread(String requestId, String... tokens) throws InterruptedException {
        Thread t = new Thread(() -> ScriptedEngine.session(requestId).finish(tokens), "engine-thread");
        t.start();
        t.join();
    }

    @Test
    void overlapPrefillsOnTheSessionOpenedAheadAndAppendsOnlyTheRestAtRun() throws Exception {
        QueryTask q = Fixtures.query("q7", "tree");
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(AgentCall.open(q, "L2.0", 2, "a", "Synthesize:\n"), 0);
            ScriptedEngine.Scripted session = ScriptedEngine.session("q7/L2.0");
            assertNotNull(session, "OPEN opens the session at once");
            assertEquals(1, h.getProcessingTimeService().getNumActiveTimers(), "an abandoned open session expires");
            h.processElement(AgentCall.append(q, "L2.0", 2, "a", "1. The sky"), 0);
            h.processElement(AgentCall.append(q, "L2.0", 2, "a", " is blue.\n"), 0);
            assertEquals("Synthesize:\n1. The sky is blue.\n", session.prompt(), "appended while inputs decode");
            assertTrue(h.extractOutputValues().isEmpty());

            AgentCall run = new AgentCall.Run(q, "L2.0", 2, "a", "Synthesize:\n",
                    new String[] {"1. The sky is blue.\n2. Blue.\n", "User query: ?"}, 5, 5, false,
                    new String[] {"L1.0", "L1.1"}, new NodeTrace[0], 0, null);
            h.processElement(run, 0);
            assertSame(session, ScriptedEngine.session("q7/L2.0"), "the RUN reuses the open session");
            assertEquals("Synthesize:\n1. The sky is blue.\n2. Blue.\nUser query: ?", session.prompt(),
                    "only what was not streamed yet is appended");
            finishOffThread("q7/L2.0", "Answer: ", "A");
            drainMailbox(h);
            AgentChunk last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
            assertEquals(NodeStatus.RAN, last.result().trace().status());
            assertEquals(0.5, last.result().trace().prefillExposedMs(), "the engine's split: 0.5 of 2 ms after generate");
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers());
            assertTrue(session.closed);
        }
    }

    @Test
    void anOpenSessionOfABypassedNodeIsClosedAndAnUnclaimedOneExpires() throws Exception {
        QueryTask q = Fixtures.query("q8", "tree");
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(AgentCall.open(q, "L2.0", 2, "a", "p"), 0);
            h.processElement(new AgentCall.Run(q, "L2.0", 2, "a", "p", new String[0], 7, 5, false, new String[] {"L1.0"},
                    new NodeTrace[0], 1.0, new AgentCall.Consensus("A", "Answer: A", 0.9)), 0);
            assertTrue(ScriptedEngine.session("q8/L2.0").closed, "bypassed: its early session is released");
            h.processElement(AgentCall.open(q, "L2.1", 2, "a", "p"), 0);
            h.getProcessingTimeService().setCurrentTime(TIMEOUT_MS + 1);
            assertTrue(ScriptedEngine.session("q8/L2.1").closed, "no RUN within the timeout: released");
        }
    }

    @Test
    void earlyExitCancelsARunningCallThroughTheRegistry() throws Exception {
        QueryTask q = Fixtures.query("q9", "tree");
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.2", "a"), 0);
            assertTrue(channel.stop("q9", "L1.2"), "a running call is registered in its JVM");
            drainMailbox(h);
            AgentChunk last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
            assertEquals(NodeStatus.CANCELLED, last.result().trace().status());
            assertEquals(0, operator(h).inFlightCount());
            assertFalse(channel.stop("q9", "L1.2"), "finished calls leave the registry");
        }
    }

    @Test
    void theOperatorTakesStopsThroughItsJobsBackchannelWhileItIsOpen() throws Exception {
        AgentAddress address = new AgentAddress("agents-L1", 0);
        try (var h = harness(spec("manual", 4))) {
            assertFalse(channel.reaches(address));
            h.open();
            assertTrue(channel.reaches(address), "stops from this job reach it");
        }
        assertFalse(channel.reaches(address), "detached on close");
    }

    @Test
    void streamsChunksFromEngineThreadsThroughTheMailboxAndLeavesNothingBehind() throws Exception {
        QueryTask q = Fixtures.query("q1", "tree");
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            assertEquals(1, operator(h).inFlightCount());
            assertEquals(1, h.getProcessingTimeService().getNumActiveTimers(), "the call's timeout");

            finishOffThread("q1/L1.0", "Sky ", "is ", "blue. ", "Answer: A");
            assertTrue(h.extractOutputValues().isEmpty(), "nothing is emitted from the engine thread");
            drainMailbox(h);

            List<AgentChunk> out = h.extractOutputValues();
            assertEquals(3, out.size(), "two 2-token chunks, then the final result");
            assertEquals("Sky is ", out.get(0).text());
            assertEquals("blue. Answer: A", out.get(1).text());
            assertNull(out.get(0).result());
            AgentChunk last = out.get(2);
            assertEquals(2, last.seq());
            NodeTrace trace = last.result().trace();
            assertEquals(NodeStatus.RAN, trace.status());
            assertEquals("A", trace.extractedAnswer());
            assertEquals(Math.exp(-0.1), trace.confidence(), 1e-9);
            assertEquals("w0", trace.worker());
            assertEquals(2.0, trace.prefillMs());
            assertEquals(2.0, trace.prefillExposedMs(), "opened by the RUN, after its inputs: all prefill is exposed");
            assertEquals("Sky is blue. Answer: A", last.result().text());
            assertEquals(0, operator(h).inFlightCount());
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers(), "timeout timer cancelled once the call finished");
            assertTrue(ScriptedEngine.session("q1/L1.0").closed, "session (KV cache) released");
        }
        assertTrue(ScriptedEngine.CLOSED_ENGINES.contains("a"), "engine released through the registry on close");
    }

    /**
     * With overlap (announceStart), a call that starts on a real-time engine first emits an empty chunk carrying
     * the query, so that its parents open their sessions at once; a failure before any text still retries. The
     * chunk goes through the mailbox, after the current input: the sibling calls the same input carries all start
     * before any parent is opened.
     */
    @Test
    void withOverlapAStartedCallAnnouncesItselfWithAnEmptyChunkCarryingTheQuery() throws Exception {
        QueryTask q = Fixtures.query("q1s", "tree");
        try (var h = harness(spec("manual", 4).withAnnounceStart(true))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            h.processElement(Fixtures.leafCall(q, "L1.1", "a"), 0);
            assertTrue(h.extractOutputValues().isEmpty(), "announced once the input is done");
            assertEquals(2, operator(h).inFlightCount(), "both siblings started");
            drainMailbox(h);
            List<AgentChunk> started = h.extractOutputValues();
            assertEquals(2, started.size(), "a started chunk per call, before any token");
            assertEquals("L1.1", started.get(1).nodeId());
            assertTrue(channel.stop("q1s", "L1.1"));
            drainMailbox(h);
            h.getOutput().clear();
            started = List.of(started.get(0));
            assertEquals(1, started.size(), "the started chunk, before any token");
            assertEquals("", started.get(0).text());
            assertEquals(0, started.get(0).seq());
            assertEquals("q1s", started.get(0).query().id());
            assertNull(started.get(0).result());

            finishOffThread("q1s/L1.0", "Sky ", "is ", "blue. ", "Answer: A");
            drainMailbox(h);
            List<AgentChunk> out = h.extractOutputValues();
            assertEquals(3, out.size(), "after the started chunk: two 2-token chunks, the final result");
            assertEquals("Sky is ", out.get(0).text());
            assertEquals(1, out.get(0).seq());
            assertNull(out.get(0).query(), "only the first chunk carries the query");
            assertEquals(3, out.get(2).seq());
            assertEquals("Sky is blue. Answer: A", out.get(2).result().text());
        }
    }

    @Test
    void withOverlapASessionOpenedAheadAnnouncesItselfOnceSoThatItsOwnParentsOpenAtQueryStart() throws Exception {
        QueryTask q = Fixtures.query("q1o", "tree");
        try (var h = harness(spec("manual", 4).withAnnounceStart(true))) {
            h.open();
            h.processElement(AgentCall.open(q, "L2.0", 2, "a", "Synthesize:\n"), 0);
            List<AgentChunk> opened = h.extractOutputValues();
            assertEquals(1, opened.size(), "opening ahead announces the node");
            assertEquals("L2.0", opened.get(0).nodeId());
            assertEquals("", opened.get(0).text());
            assertEquals(0, opened.get(0).seq());
            assertEquals("q1o", opened.get(0).query().id(), "carries the query: the parent's collector may have none");
            assertNull(opened.get(0).result());

            AgentCall run = new AgentCall.Run(q, "L2.0", 2, "a", "Synthesize:\n", new String[] {"1. Blue.\n"}, 5, 5,
                    false, new String[] {"L1.0"}, new NodeTrace[0], 0, null);
            h.processElement(run, 0);
            assertEquals(1, h.extractOutputValues().size(), "the RUN on the opened session does not announce again");
            finishOffThread("q1o/L2.0", "Answer: ", "A");
            drainMailbox(h);
            List<AgentChunk> out = h.extractOutputValues();
            assertEquals("Answer: A", out.get(out.size() - 1).result().text());
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers());
        }
    }

    @Test
    void timeoutBecomesAFailedNodeNotAJobFailure() throws Exception {
        QueryTask q = Fixtures.query("q2", "tree");
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(Fixtures.leafCall(q, "L1.1", "a"), 0);
            h.setProcessingTime(TIMEOUT_MS + 1);
            AgentChunk last = h.extractOutputValues().get(0);
            assertEquals(NodeStatus.FAILED, last.result().trace().status());
            assertTrue(last.result().trace().error().contains("timed out"), last.result().trace().error());
            assertTrue(ScriptedEngine.session("q2/L1.1").cancelled, "the engine was told to stop");

            finishOffThread("q2/L1.1", "late");
            drainMailbox(h);
            assertEquals(1, h.extractOutputValues().size(), "a late result after the timeout is dropped");
            assertEquals(0, operator(h).inFlightCount());
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers());
        }
    }

    @Test
    void engineErrorsAndRefusalsBecomeFailedNodes() throws Exception {
        QueryTask q = Fixtures.query("q3", "tree");
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            ScriptedEngine.session("q3/L1.0").fail("CUDA out of memory");
            NodeTrace t = h.extractOutputValues().get(0).result().trace();
            assertEquals(NodeStatus.FAILED, t.status());
            assertEquals("CUDA out of memory", t.error());
        }
        try (var h = harness(spec("refuse", 4))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            NodeTrace t = h.extractOutputValues().get(0).result().trace();
            assertEquals(NodeStatus.FAILED, t.status());
            assertTrue(t.error().contains("KV budget"), t.error());
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers());
        }
    }

    @Test
    void aTransientEngineErrorIsRetriedAfterABackoffOnAFreshSession() throws Exception {
        QueryTask q = Fixtures.query("r1", "tree");
        try (var h = harness(retrying("manual"))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            ScriptedEngine.Scripted first = ScriptedEngine.session("r1/L1.0");
            first.fail("CUDA out of memory");
            assertTrue(h.extractOutputValues().isEmpty(), "nothing emitted while a retry is pending");
            assertTrue(first.closed);
            assertEquals(1, operator(h).inFlightCount(), "the retry waits, and counts");
            h.setProcessingTime(99);
            assertSame(first, ScriptedEngine.session("r1/L1.0"), "not before the backoff");
            h.setProcessingTime(100);
            ScriptedEngine.Scripted second = ScriptedEngine.session("r1/L1.0");
            assertNotSame(first, second);
            second.finish("Answer: ", "B");
            List<AgentChunk> out = h.extractOutputValues();
            NodeTrace t = out.get(out.size() - 1).result().trace();
            assertEquals(NodeStatus.RAN, t.status());
            assertEquals("Answer: B", out.get(out.size() - 1).result().text());
            assertEquals(0, operator(h).inFlightCount());
        }
    }

    @Test
    void aCallThatKeepsFailingGivesUpAfterItsRetriesWithOneFailedNode() throws Exception {
        QueryTask q = Fixtures.query("r2", "tree");
        try (var h = harness(retrying("manual"))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            ScriptedEngine.session("r2/L1.0").fail("worker lost");
            h.setProcessingTime(100);
            ScriptedEngine.session("r2/L1.0").fail("worker lost");
            h.setProcessingTime(250);
            assertTrue(h.extractOutputValues().isEmpty(), "second backoff is 200 ms");
            h.setProcessingTime(300);
            ScriptedEngine.session("r2/L1.0").fail("worker lost again");
            List<AgentChunk> out = h.extractOutputValues();
            assertEquals(1, out.size());
            NodeTrace t = out.get(0).result().trace();
            assertEquals(NodeStatus.FAILED, t.status());
            assertEquals("failed after 3 attempts; last: worker lost again", t.error());
            assertEquals(0, operator(h).inFlightCount());
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers());
        }
    }

    @Test
    void aTimedOutCallIsCancelledAndRetriedAndAnExceptionAtOpenToo() throws Exception {
        QueryTask q = Fixtures.query("r3", "tree");
        try (var h = harness(retrying("flaky"))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0); // first open throws (transient)
            assertNull(ScriptedEngine.session("r3/L1.0"));
            h.setProcessingTime(100);
            ScriptedEngine.Scripted slow = ScriptedEngine.session("r3/L1.0");
            h.setProcessingTime(100 + TIMEOUT_MS); // a slow replica: this attempt times out
            assertTrue(slow.cancelled && slow.closed);
            assertTrue(h.extractOutputValues().isEmpty());
            h.setProcessingTime(100 + TIMEOUT_MS + 200);
            ScriptedEngine.Scripted third = ScriptedEngine.session("r3/L1.0");
            assertNotSame(slow, third);
            third.finish("Answer: ", "C");
            List<AgentChunk> out = h.extractOutputValues();
            assertEquals(NodeStatus.RAN, out.get(out.size() - 1).result().trace().status());
            assertEquals(0, operator(h).inFlightCount());
        }
    }

    @Test
    void refusalsAndCallsThatAlreadyStreamedAreNotRetried() throws Exception {
        QueryTask q = Fixtures.query("r4", "tree");
        try (var h = harness(retrying("refuse"))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            NodeTrace t = h.extractOutputValues().get(0).result().trace();
            assertEquals(NodeStatus.FAILED, t.status());
            assertTrue(t.error().startsWith("engine refused the call") && t.error().contains("KV budget"), t.error());
            assertEquals(0, h.getProcessingTimeService().getNumActiveTimers());
        }
        try (var h = harness(retrying("manual"))) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(Fixtures.leafCall(q, "L1.1", "a"), 0);
            ScriptedEngine.session("r4/L1.1").streamThenFail("engine crashed", "Answer", ": ");
            List<AgentChunk> out = h.extractOutputValues();
            NodeTrace t = out.get(out.size() - 1).result().trace();
            assertEquals(NodeStatus.FAILED, t.status(), "downstream already has its first chunk: no second version");
            assertEquals("engine crashed", t.error());
            assertEquals(0, operator(h).inFlightCount());
        }
    }

    @Test
    void skippedCallsNeverReachTheEngine() throws Exception {
        QueryTask q = Fixtures.query("q4", "tree");
        AgentCall skip = new AgentCall.Run(q, "L2.0", 2, "a", "p", new String[0], 5, 5, true, new String[0],
                new NodeTrace[0], 0.0, null);
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(skip, 0);
            assertEquals(NodeStatus.SKIPPED, h.extractOutputValues().get(0).result().trace().status());
            assertNull(ScriptedEngine.session("q4/L2.0"));
        }
    }

    @Test
    void aNodeStoppedBeforeItStartedEndsCancelledWithoutTheEngine() throws Exception {
        QueryTask q = Fixtures.query("q5t", "tree");
        channel.stop("q5t", "L2.0"); // a collector stopped it while its own inputs still decoded
        AgentCall run = new AgentCall.Run(q, "L2.0", 2, "a", "p", new String[] {"1. x", "close"}, 7, 5, false,
                new String[] {"L1.0"}, new NodeTrace[0], 0.0, null);
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(AgentCall.open(q, "L2.0", 2, "a", "Synthesize:\n"), 0);
            assertNull(ScriptedEngine.session("q5t/L2.0"), "no session is opened ahead for a stopped node");
            h.processElement(run, 0);
            var result = h.extractOutputValues().get(0).result();
            assertEquals(NodeStatus.CANCELLED, result.trace().status());
            assertEquals("cancelled before it started", result.trace().error());
            assertNull(ScriptedEngine.session("q5t/L2.0"));
            assertFalse(channel.isStopped("q5t/L2.0"), "the tombstone is claimed");
            h.processElement(new AgentCall.Run(q, "L2.1", 2, "a", "p", new String[] {"1. x", "close"}, 7, 5, false,
                    new String[] {"L1.3"}, new NodeTrace[0], 0.0, null), 0);
            assertNotNull(ScriptedEngine.session("q5t/L2.1"), "the query's other nodes still run");
            finishOffThread("q5t/L2.1", "ok");
            drainMailbox(h);
            assertEquals(NodeStatus.RAN, h.extractOutputValues().get(1).result().trace().status());
        }
    }

    @Test
    void bypassedCallsEmitTheConsensusWithoutTheEngine() throws Exception {
        QueryTask q = Fixtures.query("q6", "tree");
        AgentCall bypass = new AgentCall.Run(q, "L2.1", 2, "a", "p", new String[] {"1. x", "close"}, 7, 5, false,
                new String[] {"L1.3", "L1.4", "L1.5"}, new NodeTrace[0], 1.0,
                new AgentCall.Consensus("B", "so. Answer: B", 0.8));
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(bypass, 0);
            var result = h.extractOutputValues().get(0).result();
            assertEquals(NodeStatus.SKIPPED, result.trace().status());
            assertTrue(result.trace().bypassed());
            assertTrue(result.trace().hasOutput());
            assertEquals("B", result.trace().extractedAnswer());
            assertEquals(0.8, result.trace().confidence());
            assertEquals(1.0, result.trace().voteShare());
            assertEquals("so. Answer: B", result.text());
            assertEquals(5, result.criticalPathMs(), "no engine time added");
            assertNull(ScriptedEngine.session("q6/L2.1"));
        }
    }

    @Test
    void fullCapacityYieldsToTheMailboxUntilACallFinishes() throws Exception {
        QueryTask q = Fixtures.query("q5", "tree");
        try (var h = harness(spec("manual", 2))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            h.processElement(Fixtures.leafCall(q, "L1.1", "a"), 0);
            Thread engine = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                ScriptedEngine.session("q5/L1.0").finish("Answer: B");
            });
            engine.setUncaughtExceptionHandler((t, e) -> e.printStackTrace());
            engine.start();
            h.processElement(Fixtures.leafCall(q, "L1.2", "a"), 0); // blocks in yield() until L1.0's mail arrives
            engine.join();
            assertEquals("L1.0", h.extractOutputValues().get(0).nodeId());
            assertNotNull(ScriptedEngine.session("q5/L1.2"), "third call started once capacity freed");
            assertEquals(2, operator(h).inFlightCount());
            ScriptedEngine.session("q5/L1.1").finish("Answer: B");
            ScriptedEngine.session("q5/L1.2").finish("Answer: B");
        }
    }

    @Test
    void callsInFlightAtACheckpointAreRerunAfterRestore() throws Exception {
        QueryTask q = Fixtures.query("q6", "tree");
        OperatorSubtaskState snapshot;
        ScriptedEngine.Scripted before;
        try (var h = harness(spec("manual", 4))) {
            h.open();
            h.processElement(Fixtures.leafCall(q, "L1.0", "a"), 0);
            before = ScriptedEngine.session("q6/L1.0");
            snapshot = h.snapshot(1, 1);
            before.finish("Answer: A"); // finish before close: closing at end of input waits for calls in flight
        }
        try (var h = harness(spec("manual", 4))) {
            h.initializeState(snapshot);
            h.open();
            ScriptedEngine.Scripted rerun = ScriptedEngine.session("q6/L1.0");
            assertNotSame(before, rerun, "a fresh engine session: sessions are not state");
            rerun.finish("Answer: A");
            assertEquals(NodeStatus.RAN, h.extractOutputValues().get(0).result().trace().status());
        }
    }
}
