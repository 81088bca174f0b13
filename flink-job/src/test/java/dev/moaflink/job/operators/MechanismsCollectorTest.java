package dev.moaflink.job.operators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.backchannel.LocalBackchannel;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.EngineClock;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.testing.RunningSession;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.schema.NodeStatus;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The level collector with prefill/decode overlap and early termination switched on. */
@Timeout(30)
class MechanismsCollectorTest {

    private static final AgentRoutes ROUTES = new AgentRoutes(false);
    private final TopologySet topologies = Fixtures.treeAndDense();

    private static final JobConfig.EarlyExit EXIT = new JobConfig.EarlyExit(true, 0.7, 0.5, false, 0, 2,
            JobConfig.Similarity.ANSWER, "minilm");

    /** Where the collectors under test stop agents: a channel of the test's own. */
    private final LocalBackchannel channel = new LocalBackchannel();

    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> harness(
            JobConfig.Mechanisms mechanisms) throws Exception {
        return harness(1, mechanisms, EngineClock.WALL);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> virtualHarness(
            JobConfig.Mechanisms mechanisms) throws Exception {
        return harness(1, mechanisms, EngineClock.VIRTUAL);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> harness(
            int level, JobConfig.Mechanisms mechanisms, EngineClock clock) throws Exception {
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new LevelCollector(level, topologies, ROUTES, mechanisms, clock, scope -> channel),
                AgentChunk::queryId, Types.STRING);
        h.open();
        return h;
    }

    private static AgentCall.Run run(AgentCall call) {
        return assertInstanceOf(AgentCall.Run.class, call);
    }

    private static List<AgentCall> calls(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h) {
        var out = h.getSideOutput(ROUTES.tag(2, "agg"));
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    /** A finished leaf: decoding ran from {@code end - decode} to {@code end}. */
    private static NodeResult result(QueryTask q, String id, String text, double end, double decode, int tokens,
                                     double confidence, String answer, boolean virtual, NodeStatus status) {
        NodeTrace t = new NodeTrace(id, 1, "a", "default", 0, status, new String[0], 0, 5, 5, decode, 6,
                end - decode - 5, end, 10, tokens, confidence, answer, null, true, virtual, false, 0.0, 0);
        return new NodeResult(q, text, t, end, new NodeTrace[0]);
    }

    /** A finished level-2 node in real time. */
    private static NodeResult aggregated(QueryTask q, String id, double end, String answer, NodeStatus status) {
        NodeTrace t = new NodeTrace(id, 2, "agg", "default", 0, status, new String[0], 0, 5, 5, 5, 6, end - 10, end,
                10, 4, 0.3, answer, null, true, false, false, 0.0, 0);
        return new NodeResult(q, answer == null ? "" : "so. Answer: " + answer, t, end, new NodeTrace[0]);
    }

    private static AgentChunk part(QueryTask q, String id, int seq, String text, int tokens, boolean virtual) {
        return new AgentChunk(q.id(), id, seq, text, tokens, seq == 0 ? q : null, null);
    }

    private static AgentChunk last(QueryTask q, String id, int seq, String tail, NodeResult r) {
        return new AgentChunk(q.id(), id, seq, tail, r.trace().outputTokens(), null, r);
    }

    @Test
    void realTimeOverlapOpensAtTheFirstChunkAndAppendsSlotsInChildOrder() throws Exception {
        try (var h = harness(new JobConfig.Mechanisms(0, true, JobConfig.EarlyExit.OFF))) {
            QueryTask q = Fixtures.query("o1", "tree");
            h.processElement(part(q, "L1.1", 0, "  second ", 2, false), 0);
            List<AgentCall> out = calls(h);
            assertEquals(1, out.size());
            AgentCall.Open open = assertInstanceOf(AgentCall.Open.class, out.get(0),
                    "the first chunk of any child opens the parent");
            assertEquals(Prompts.aggregatorPrefix(q), open.promptPrefix());
            assertTrue(open.promptPrefix().contains(Prompts.question(q)), "the query is in the prefix");

            h.processElement(part(q, "L1.0", 0, "first", 1, false), 0);
            assertEquals("1. first", ((AgentCall.Append) calls(h).get(1)).text(), "slot 1 streams at once");
            String t0 = "first part. Answer: A ";
            h.processElement(last(q, "L1.0", 1, " part. Answer: A ",
                    result(q, "L1.0", t0, 50, 30, 6, 0.9, "A", false, NodeStatus.RAN)), 0);
            h.processElement(last(q, "L1.2", 0, "third. Answer: B",
                    result(q, "L1.2", "third. Answer: B", 60, 30, 4, 0.9, "B", false, NodeStatus.RAN)), 0);
            int before = calls(h).size();
            String t1 = "  second Answer: A";
            h.processElement(last(q, "L1.1", 1, "Answer: A",
                    result(q, "L1.1", t1, 70, 30, 4, 0.9, "A", false, NodeStatus.RAN)), 0);
            out = calls(h);
            AgentCall.Run run = run(out.get(out.size() - 1));
            assertEquals(before + 2, out.size(), "L1.2 waited for slot 2; then one append and the run");

            String slots = Prompts.responseSlot(1, t0) + Prompts.responseSlot(2, t1)
                    + Prompts.responseSlot(3, "third. Answer: B");
            String appended = out.stream().filter(c -> c instanceof AgentCall.Append)
                    .map(c -> ((AgentCall.Append) c).text()).collect(Collectors.joining());
            assertEquals(slots, appended, "the appends are exactly the slots the whole outputs would fill");
            assertEquals(slots, run.promptParts()[0], "the run repeats the prompt for a lost session");
            assertEquals(1, run.promptParts().length, "nothing follows the last response");
            assertArrayEquals(new String[] {"L1.0", "L1.1", "L1.2"}, run.inputs());
            assertEquals(70, run.readyOffsetMs());
        }
    }

    /** A child's empty started chunk (AgentSpec.announceStart) opens the parent with its prefix and appends nothing. */
    @Test
    void anEmptyStartedChunkOpensTheParentBeforeAnyOutput() throws Exception {
        try (var h = harness(new JobConfig.Mechanisms(0, true, JobConfig.EarlyExit.OFF))) {
            QueryTask q = Fixtures.query("o0", "tree");
            h.processElement(part(q, "L1.2", 0, "", 0, false), 0);
            h.processElement(part(q, "L1.0", 0, "", 0, false), 0);
            List<AgentCall> out = calls(h);
            assertEquals(1, out.size(), "one OPEN, no APPEND of empty text, no second OPEN");
            assertEquals(Prompts.aggregatorPrefix(q), assertInstanceOf(AgentCall.Open.class, out.get(0)).promptPrefix());
            h.processElement(part(q, "L1.0", 1, "first", 1, false), 0);
            assertEquals("1. first", ((AgentCall.Append) calls(h).get(1)).text(), "slot 1 streams as its text arrives");
        }
    }

    @Test
    void virtualOverlapCarriesWhenEachPieceBecameAvailable() throws Exception {
        try (var h = virtualHarness(new JobConfig.Mechanisms(0, true, JobConfig.EarlyExit.OFF))) {
            QueryTask q = Fixtures.query("o2", "cluster");
            // L1.0 decodes 6 tokens from 40 to 100 ms; L1.1 ends first (at 50), L1.2 last (at 200).
            h.processElement(part(q, "L1.0", 0, "alpha ", 2, true), 0);
            h.processElement(part(q, "L1.0", 1, "beta ", 4, true), 0);
            h.processElement(last(q, "L1.0", 2, "Answer: A",
                    result(q, "L1.0", "alpha beta Answer: A", 100, 60, 6, 0.9, "A", true, NodeStatus.RAN)), 0);
            h.processElement(last(q, "L1.1", 0, "Answer: A",
                    result(q, "L1.1", "Answer: A", 50, 20, 3, 0.9, "A", true, NodeStatus.RAN)), 0);
            h.processElement(part(q, "L1.2", 0, "gamma ", 5, true), 0);
            h.processElement(last(q, "L1.2", 1, "Answer: B",
                    result(q, "L1.2", "gamma Answer: B", 200, 100, 10, 0.9, "B", true, NodeStatus.RAN)), 0);
            List<AgentCall> out = calls(h);
            assertEquals(1, out.size(), "virtual time: one call with the whole schedule");
            AgentCall.Run run = run(out.get(0));
            String[] parts = run.promptParts();
            assertEquals(Prompts.responseSlot(1, "alpha beta Answer: A") + Prompts.responseSlot(2, "Answer: A")
                    + Prompts.responseSlot(3, "gamma Answer: B"), String.join("", parts));
            double[] ready = run.schedule().partReadyMs();
            assertNotNull(ready);
            assertEquals(parts.length, ready.length);
            assertEquals(50, run.schedule().openOffsetMs(), 1e-9, "opened at the first output of any child (L1.1 ended at 50)");
            assertEquals(60, ready[0], 1e-9, "'alpha' after 2 of L1.0's 6 tokens");
            assertEquals(80, ready[1], 1e-9);
            assertEquals(100, ready[2], 1e-9, "slot 1 closes when L1.0 ends");
            assertEquals(100, ready[3], 1e-9, "L1.1 ended at 50 but waits for slot 1");
            assertEquals(150, ready[4], 1e-9, "'gamma' after 5 of L1.2's 10 tokens, from 100 to 200");
            assertEquals(200, ready[ready.length - 1]);
            for (int i = 1; i < ready.length; i++) {
                assertTrue(ready[i] >= ready[i - 1], Arrays.toString(ready));
            }
            assertEquals(200, run.readyOffsetMs());
        }
    }

    @Test
    void virtualEarlyExitCutsTheSlowSiblingWhenTheFinishedOnesAgree() throws Exception {
        for (double threshold : new double[] {0.5, 0.8}) {
            JobConfig.EarlyExit exit = new JobConfig.EarlyExit(true, 0.7, threshold, false, 0, 2,
                    JobConfig.Similarity.ANSWER, "minilm");
            try (var h = virtualHarness(new JobConfig.Mechanisms(0, false, exit))) {
                QueryTask q = Fixtures.query("e" + threshold, "cluster");
                h.processElement(last(q, "L1.2", 0, "x",
                        result(q, "L1.2", "slow. Answer: B", 100, 80, 20, 0.9, "B", true, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.0", 0, "x",
                        result(q, "L1.0", "one. Answer: A", 10, 5, 4, 0.9, "A", true, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.1", 0, "x",
                        result(q, "L1.1", "two. Answer: A", 20, 5, 4, 0.9, "A", true, NodeStatus.RAN)), 0);
                AgentCall.Run run = run(calls(h).get(0));
                NodeTrace slow = Arrays.stream(run.upstream()).filter(t -> t.nodeId().equals("L1.2")).findFirst()
                        .orElseThrow();
                if (threshold == 0.5) {
                    // Q = sqrt(0.9 * (1 - 0.3 / 0.7)) = 0.72 after L1.1: stop L1.2 at 20 ms (plus scoring time).
                    assertEquals(NodeStatus.CANCELLED, slow.status());
                    assertEquals("cancelled by early exit", slow.error());
                    // The cut adds the measured scoring time: allow a loaded machine's pauses, well before its 100 ms end.
                    assertTrue(slow.endOffsetMs() >= 20 && slow.endOffsetMs() < 60, "cut when L1.1 finished");
                    assertTrue(slow.outputTokens() < 20 && slow.decodeMs() < 80, slow.toString());
                    assertArrayEquals(new String[] {"L1.0", "L1.1"}, run.inputs());
                    assertTrue(run.readyOffsetMs() < 60, "the parent starts when the sibling is cut");
                } else {
                    assertEquals(NodeStatus.RAN, slow.status(), "Q = 0.72 is under 0.8: no stop");
                    assertEquals(100, run.readyOffsetMs());
                    assertEquals(3, run.inputs().length);
                }
            }
        }
    }

    @Test
    void realTimeEarlyExitCancelsTheRunningSiblingAndWaitsForItsTrace() throws Exception {
        try (var h = harness(new JobConfig.Mechanisms(0, false, EXIT))) {
            QueryTask q = Fixtures.query("e3", "tree");
            RunningSession running = new RunningSession("e3/L1.2");
            channel.running(running);
            try {
                h.processElement(last(q, "L1.0", 0, "x",
                        result(q, "L1.0", "one. Answer: A", 10, 5, 4, 0.9, "A", false, NodeStatus.RAN)), 0);
                assertTrue(!running.cancelled(), "one finished sibling is not enough (min_finished 2)");
                h.processElement(last(q, "L1.1", 0, "x",
                        result(q, "L1.1", "two. Answer: A", 20, 5, 4, 0.9, "A", false, NodeStatus.RAN)), 0);
                assertTrue(running.cancelled(), "two agreeing siblings stop the third through the registry");
                assertTrue(calls(h).isEmpty(), "the parent waits for the cancelled sibling's result (its trace)");
                h.processElement(last(q, "L1.2", 0, "par",
                        result(q, "L1.2", "par", 22, 2, 1, 0.5, null, false, NodeStatus.CANCELLED)), 0);
                AgentCall.Run run = run(calls(h).get(0));
                assertArrayEquals(new String[] {"L1.0", "L1.1"}, run.inputs());
                NodeTrace cut = Arrays.stream(run.upstream()).filter(t -> t.nodeId().equals("L1.2")).findFirst()
                        .orElseThrow();
                assertEquals(NodeStatus.CANCELLED, cut.status());
                assertEquals("cancelled by early exit", cut.error());
            } finally {
                channel.ended(running);
            }
        }
    }

    /** Free-text outputs have no extracted answer: agreement is the cosine of real MiniLM sentence embeddings. */
    @Test
    void freeTextAgreementComesFromSentenceEmbeddings() throws Exception {
        JobConfig.EarlyExit exit = new JobConfig.EarlyExit(true, 0.7, 0.5, false, 0, 2, JobConfig.Similarity.AUTO,
                "minilm");
        String[][] pairs = {
            {"The cat sat on the mat.", "A cat was sitting on the mat."},
            {"The cat sat on the mat.", "Stock prices fell sharply on Monday."},
        };
        for (int i = 0; i < pairs.length; i++) {
            try (var h = virtualHarness(new JobConfig.Mechanisms(0, false, exit))) {
                QueryTask q = new QueryTask("f" + i, "Where is the cat?", null,
                        dev.moaflink.schema.TaskType.FREE_TEXT, null, "cluster", 1_000L);
                h.processElement(last(q, "L1.0", 0, "x",
                        result(q, "L1.0", pairs[i][0], 10, 5, 4, 0.9, null, true, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.1", 0, "x",
                        result(q, "L1.1", pairs[i][1], 20, 5, 4, 0.9, null, true, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.2", 0, "x",
                        result(q, "L1.2", "Somewhere else entirely.", 60_000, 80, 20, 0.9, null, true,
                                NodeStatus.RAN)),
                        0);
                NodeTrace slow = Arrays.stream(run(calls(h).get(0)).upstream())
                        .filter(t -> t.nodeId().equals("L1.2")).findFirst().orElseThrow();
                assertEquals(i == 0 ? NodeStatus.CANCELLED : NodeStatus.RAN, slow.status(),
                        i == 0 ? "paraphrases agree: stop" : "unrelated outputs: keep waiting");
            }
        }
    }

    @Test
    void virtualSettledBypassCutsTheSiblingThatCanNoLongerChangeIt() throws Exception {
        // T = 2/3 with bypass_early (the default), without it, and T = 1 (needs all three: nothing to settle early).
        Object[][] cases = {{0.67, true}, {0.67, false}, {1.0, true}};
        for (Object[] c : cases) {
            double t = (double) c[0];
            boolean early = (boolean) c[1];
            try (var h = virtualHarness(new JobConfig.Mechanisms(t, false, JobConfig.EarlyExit.OFF, early))) {
                QueryTask q = Fixtures.query("b" + t + early, "cluster");
                h.processElement(last(q, "L1.2", 0, "x",
                        result(q, "L1.2", "slow. Answer: B", 100, 80, 20, 0.9, "B", true, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.0", 0, "x",
                        result(q, "L1.0", "one. Answer: A", 10, 5, 4, 0.7, "A", true, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.1", 0, "x",
                        result(q, "L1.1", "two. Answer: A", 20, 5, 4, 0.9, "A", true, NodeStatus.RAN)), 0);
                AgentCall.Run run = run(calls(h).get(0));
                NodeTrace slow = Arrays.stream(run.upstream()).filter(n -> n.nodeId().equals("L1.2")).findFirst()
                        .orElseThrow();
                if (t < 1 && early) {
                    assertEquals(NodeStatus.CANCELLED, slow.status(), "two of three agree: L1.2 cannot change it");
                    assertEquals(20, slow.endOffsetMs(), 1e-9, "cut when the second agreeing input finished");
                    assertEquals("cancelled: the others' vote settled the bypass", slow.error());
                    assertEquals(20, run.readyOffsetMs(), 1e-9);
                    assertNotNull(run.consensus());
                    assertEquals("A", run.consensus().answer());
                    assertEquals("two. Answer: A", run.consensus().text(), "the most confident agreeing output");
                } else if (t < 1) {
                    assertEquals(NodeStatus.RAN, slow.status(), "bypass_early off: wait for every input");
                    assertEquals(100, run.readyOffsetMs(), 1e-9);
                    assertEquals("A", run.consensus().answer(), "the same bypass, 80 ms later");
                } else {
                    assertEquals(NodeStatus.RAN, slow.status(), "T = 1 is never settled before the last input");
                    assertNull(run.consensus(), "A, A, B is not unanimous");
                }
            }
        }
    }

    @Test
    void realTimeSettledBypassStopsTheRunningSibling() throws Exception {
        try (var h = harness(new JobConfig.Mechanisms(0.67, false, JobConfig.EarlyExit.OFF))) {
            QueryTask q = Fixtures.query("b3", "tree");
            RunningSession running = new RunningSession("b3/L1.2");
            channel.running(running);
            try {
                h.processElement(last(q, "L1.0", 0, "x",
                        result(q, "L1.0", "one. Answer: A", 10, 5, 4, 0.2, "A", false, NodeStatus.RAN)), 0);
                assertFalse(running.cancelled());
                h.processElement(last(q, "L1.1", 0, "x",
                        result(q, "L1.1", "two. Answer: B", 20, 5, 4, 0.2, "B", false, NodeStatus.RAN)), 0);
                assertFalse(running.cancelled(), "A and B: the third decides");
            } finally {
                channel.ended(running);
            }
        }
        try (var h = harness(new JobConfig.Mechanisms(0.67, false, JobConfig.EarlyExit.OFF))) {
            QueryTask q = Fixtures.query("b4", "tree");
            RunningSession running = new RunningSession("b4/L1.2");
            channel.running(running);
            try {
                h.processElement(last(q, "L1.0", 0, "x",
                        result(q, "L1.0", "one. Answer: A", 10, 5, 4, 0.2, "A", false, NodeStatus.RAN)), 0);
                h.processElement(last(q, "L1.1", 0, "x",
                        result(q, "L1.1", "two. Answer: A", 20, 5, 4, 0.2, "A", false, NodeStatus.RAN)), 0);
                assertTrue(running.cancelled(), "A and A settle the bypass even at low confidence (no early exit)");
                assertTrue(calls(h).isEmpty(), "the parent waits for the cancelled sibling's trace");
                h.processElement(last(q, "L1.2", 0, "",
                        result(q, "L1.2", "", 22, 2, 1, 0.5, null, false, NodeStatus.CANCELLED)), 0);
                AgentCall.Run run = run(calls(h).get(0));
                assertEquals("A", run.consensus().answer());
                assertEquals(2.0 / 3, run.voteShare(), 1e-9);
                assertEquals("cancelled: the others' vote settled the bypass", Arrays.stream(run.upstream())
                        .filter(n -> n.nodeId().equals("L1.2")).findFirst().orElseThrow().error());
            } finally {
                channel.ended(running);
            }
        }
    }

    /** The level-2 collector stops a whole cluster: its aggregator (not started yet) and its experts still running. */
    @Test
    void stoppingAnAggregatorStopsTheInputsOnlyItReads() throws Exception {
        var h = harness(2, new JobConfig.Mechanisms(0.67, false, JobConfig.EarlyExit.OFF), EngineClock.WALL);
        QueryTask q = Fixtures.query("s1", "tree");
        RunningSession expert = new RunningSession("s1/L1.8");
        channel.running(expert);
        try {
            h.processElement(last(q, "L2.0", 0, "x", aggregated(q, "L2.0", 30, "A", NodeStatus.RAN)), 0);
            h.processElement(last(q, "L2.1", 0, "x", aggregated(q, "L2.1", 40, "A", NodeStatus.RAN)), 0);
            assertTrue(expert.cancelled(), "the running expert under L2.2 is cancelled");
            assertTrue(channel.isStopped("s1/L2.2"), "L2.2 has not started: its call will end CANCELLED");
            assertTrue(channel.isStopped("s1/L1.6"));
            assertFalse(channel.isStopped("s1/L1.0"), "only L2.2's own inputs");
            h.processElement(last(q, "L2.2", 0, "", aggregated(q, "L2.2", 45, null, NodeStatus.CANCELLED)), 0);
            var out = h.getSideOutput(ROUTES.tag(3, "agg"));
            AgentCall.Run root = run(out.iterator().next().getValue());
            assertEquals("A", root.consensus().answer());
        } finally {
            channel.ended(expert);
            channel.forget("s1");
            h.close();
        }
        assertFalse(channel.isStopped("s1/L1.6"), "forgotten once the query is answered");
    }

    @Test
    void virtualCutOfAnAggregatorCutsTheTracesBelowIt() throws Exception {
        var h = harness(2, new JobConfig.Mechanisms(0.67, false, JobConfig.EarlyExit.OFF), EngineClock.VIRTUAL);
        QueryTask q = Fixtures.query("s2", "tree");
        NodeTrace[] below = {Fixtures.trace("L1.6", 1, NodeStatus.RAN, 20), Fixtures.trace("L1.7", 1, NodeStatus.RAN, 30),
            Fixtures.trace("L1.8", 1, NodeStatus.RAN, 300)};
        NodeTrace slowAgg = Fixtures.trace("L2.2", 2, NodeStatus.RAN, 400);
        h.processElement(new AgentChunk(q.id(), "L2.2", 1, "x",
                new NodeResult(q, "late. Answer: B", slowAgg, 400, below)), 0);
        h.processElement(Fixtures.finalChunk(q, "L2.0", 2, NodeStatus.RAN, 30, "A", 0.3), 0);
        h.processElement(Fixtures.finalChunk(q, "L2.1", 2, NodeStatus.RAN, 40, "A", 0.3), 0);
        AgentCall.Run root = run(h.getSideOutput(ROUTES.tag(3, "agg")).iterator().next().getValue());
        assertEquals(40, root.readyOffsetMs(), 1e-9);
        var byId = Arrays.stream(root.upstream()).collect(Collectors.toMap(NodeTrace::nodeId, n -> n));
        assertEquals(NodeStatus.CANCELLED, byId.get("L2.2").status());
        assertEquals(NodeStatus.RAN, byId.get("L1.6").status(), "finished before the cut");
        assertEquals(NodeStatus.CANCELLED, byId.get("L1.8").status());
        assertEquals(40, byId.get("L1.8").endOffsetMs(), 1e-9);
        assertEquals("cancelled with the node that read it", byId.get("L1.8").error());
        h.close();
    }

    @Test
    void theInputsOnlyANodeReads() {
        var tree = topologies.get("tree");
        assertEquals(List.of("L2.1", "L1.3", "L1.4", "L1.5"), tree.exclusiveSubtree(tree.node("L2.1"))
                .stream().map(n -> n.id()).toList());
        var dense = topologies.get("dense");
        assertEquals(List.of("L2.0"), dense.exclusiveSubtree(dense.node("L2.0")).stream()
                .map(n -> n.id()).toList(), "a dense layer's inputs are shared by every node of the next");
    }

    @Test
    void aParentLeftWithOneInputPassesItOnInsteadOfRunning() throws Exception {
        try (var h = virtualHarness(new JobConfig.Mechanisms(0, false, EXIT))) {
            QueryTask q = Fixtures.query("e4", "cluster");
            h.processElement(last(q, "L1.0", 0, "x",
                    result(q, "L1.0", "only. Answer: B", 10, 5, 4, 0.8, "B", true, NodeStatus.RAN)), 0);
            h.processElement(last(q, "L1.1", 0, "",
                    result(q, "L1.1", "", 10, 0, 0, 0, null, true, NodeStatus.FAILED)), 0);
            h.processElement(last(q, "L1.2", 0, "",
                    result(q, "L1.2", "", 10, 0, 0, 0, null, true, NodeStatus.FAILED)), 0);
            AgentCall.Run run = run(calls(h).get(0));
            assertNotNull(run.consensus(), "one input: the aggregator could only restate it");
            assertEquals("B", run.consensus().answer());
            assertEquals(0, run.promptParts().length);
        }
    }

    @Test
    void withTheMechanismsOffPartialChunksLeaveNoState() throws Exception {
        try (var h = harness(new JobConfig.Mechanisms(0))) {
            QueryTask q = Fixtures.query("o3", "tree");
            h.processElement(part(q, "L1.0", 0, "partial", 1, false), 0);
            assertEquals(0, h.numKeyedStateEntries());
            assertNull(h.getSideOutput(ROUTES.tag(2, "agg")));
        }
    }
}
