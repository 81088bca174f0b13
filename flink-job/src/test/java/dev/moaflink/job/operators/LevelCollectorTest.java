package dev.moaflink.job.operators;

import static dev.moaflink.job.testing.Fixtures.finalChunk;
import static dev.moaflink.job.testing.Fixtures.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.schema.NodeStatus;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LevelCollectorTest {

    private static final AgentRoutes ROUTES = new AgentRoutes(false);
    private final TopologySet topologies = Fixtures.treeAndDense();

    /** A collector of virtual-time results (the fixtures' traces are virtual). */
    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> harness(int level)
            throws Exception {
        return harness(level, 0);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> harness(int level, double bypass)
            throws Exception {
        return harness(level, bypass, EngineClock.VIRTUAL);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> harness(int level, double bypass,
                                                                                           EngineClock clock)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> h = ProcessFunctionTestHarnesses
                .forKeyedProcessFunction(new LevelCollector(level, topologies, ROUTES,
                        new JobConfig.Mechanisms(bypass), clock, scope -> new LocalBackchannel()),
                        AgentChunk::queryId, Types.STRING);
        h.open();
        return h;
    }

    private static List<AgentCall.Run> calls(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h, int level,
                                             String model) {
        var out = h.getSideOutput(ROUTES.tag(level, model));
        return out == null ? List.of()
                : out.stream().map(r -> (AgentCall.Run) r.getValue()).collect(Collectors.toList());
    }

    @Test
    void virtualTimeSendsTheLevelInStartOrderOnceCompleteAndClearsState() throws Exception {
        try (var h = harness(1)) {
            QueryTask q = query("q1", "tree");
            h.processElement(finalChunk(q, "L1.3", 1, NodeStatus.RAN, 30), 0);
            h.processElement(finalChunk(q, "L1.4", 1, NodeStatus.RAN, 50), 0);
            h.processElement(finalChunk(q, "L1.5", 1, NodeStatus.RAN, 40), 0);
            assertTrue(calls(h, 2, "agg").isEmpty(), "virtual time: the level is sent once all of it is in");
            assertTrue(h.numKeyedStateEntries() > 0);
            for (String id : List.of("L1.0", "L1.1", "L1.2", "L1.6", "L1.7")) {
                h.processElement(finalChunk(q, id, 1, NodeStatus.RAN, 10), 0);
            }
            assertTrue(calls(h, 2, "agg").isEmpty());
            h.processElement(finalChunk(q, "L1.8", 1, NodeStatus.RAN, 20), 0);
            List<AgentCall.Run> emitted = calls(h, 2, "agg");
            assertEquals(List.of("L2.0", "L2.2", "L2.1"), emitted.stream().map(AgentCall::nodeId).toList(),
                    "in the order they start on the modelled clock (ready at 10, 20, 50), not the order results came");
            AgentCall.Run call = emitted.get(2);
            assertArrayEquals(new String[] {"L1.3", "L1.4", "L1.5"}, call.inputs());
            assertEquals(50, call.readyOffsetMs(), "ready when the slowest child of its own cluster ended");
            assertEquals(3, call.promptParts().length, "three numbered responses; the query is in the prefix");
            assertTrue(call.promptParts()[0].startsWith("1. "));
            assertTrue(call.promptPrefix().contains("Which is blue?"));
            assertEquals(3, call.upstream().length, "children's traces ride along with their parent");
            assertEquals(0, h.numKeyedStateEntries(), "no per-query state once every parent has been emitted");
            assertEquals(0, h.numEventTimeTimers() + h.numProcessingTimeTimers());
        }
    }

    @Test
    void realTimeTreeParentStartsWhenItsOwnClusterIsDone() throws Exception {
        try (var h = harness(1, 0, EngineClock.WALL)) {
            QueryTask q = query("q1r", "tree");
            for (String id : List.of("L1.3", "L1.4", "L1.5")) {
                NodeTrace t = Fixtures.trace(id, 1, NodeStatus.RAN, 30);
                NodeTrace real = new NodeTrace(t.nodeId(), 1, t.model(), t.worker(), 0, NodeStatus.RAN, t.inputs(),
                        t.queueMs(), t.prefillMs(), t.prefillExposedMs(), t.decodeMs(), t.firstTokenMs(),
                        t.startOffsetMs(), t.endOffsetMs(), t.promptTokens(), t.outputTokens(), t.confidence(),
                        t.extractedAnswer(), null, true, false, false, 0.0, 0);
                h.processElement(new AgentChunk(q.id(), id, 1, "because. Answer: A",
                        new NodeResult(q, "because. Answer: A", real, 30, new NodeTrace[0])), 0);
            }
            List<AgentCall.Run> emitted = calls(h, 2, "agg");
            assertEquals(1, emitted.size(), "L2.1 starts before L2.0's and L2.2's clusters finish");
            assertEquals("L2.1", emitted.get(0).nodeId());
        }
    }

    @Test
    void partialChunksAreIgnoredByTheCollector() throws Exception {
        try (var h = harness(1)) {
            QueryTask q = query("q1", "tree");
            h.processElement(new AgentChunk(q.id(), "L1.0", 0, "partial", null), 0);
            assertEquals(0, h.numKeyedStateEntries());
        }
    }

    @Test
    void denseLayerWaitsForTheWholeLayerAndCarriesTracesOnce() throws Exception {
        try (var h = harness(1)) {
            QueryTask q = query("q2", "dense");
            for (int i = 0; i < 9; i++) {
                h.processElement(finalChunk(q, "L1." + i, 1, NodeStatus.RAN, 10 + i), 0);
                assertEquals(i < 8 ? 0 : 9, calls(h, 2, "agg").size());
            }
            List<AgentCall.Run> emitted = calls(h, 2, "agg");
            int traces = emitted.stream().mapToInt(c -> c.upstream().length).sum();
            assertEquals(9, traces, "each child's trace travels with exactly one parent");
            assertEquals(9, emitted.get(4).inputs().length);
            assertEquals(0, h.numKeyedStateEntries());
        }
    }

    @Test
    void failedChildrenAreLeftOutAndAParentWithoutInputsIsSkipped() throws Exception {
        try (var h = harness(1)) {
            QueryTask q = query("q3", "tree");
            h.processElement(finalChunk(q, "L1.0", 1, NodeStatus.FAILED, 10), 0);
            h.processElement(finalChunk(q, "L1.1", 1, NodeStatus.RAN, 10), 0);
            h.processElement(finalChunk(q, "L1.2", 1, NodeStatus.RAN, 10), 0);
            assertTrue(calls(h, 2, "agg").isEmpty(), "virtual time: sent with the whole level");
            for (String id : List.of("L1.3", "L1.4", "L1.5")) {
                h.processElement(finalChunk(q, id, 1, NodeStatus.FAILED, 10), 0);
            }
            for (String id : List.of("L1.6", "L1.7", "L1.8")) {
                h.processElement(finalChunk(q, id, 1, NodeStatus.RAN, 10), 0);
            }
            assertTrue(calls(h, 2, "agg").stream().filter(c -> c.nodeId().equals("L2.1")).findFirst().orElseThrow()
                    .skip(), "nothing to aggregate");
            AgentCall.Run call = calls(h, 2, "agg").stream().filter(c -> c.nodeId().equals("L2.0")).findFirst()
                    .orElseThrow();
            assertArrayEquals(new String[] {"L1.1", "L1.2"}, call.inputs());
            assertFalse(call.skip());
        }
    }

    @Test
    void rootResultBecomesTheAnswerWithTheWholeTraceSorted() throws Exception {
        try (var h = harness(3)) {
            QueryTask q = query("q4", "tree");
            NodeTrace[] upstream = new NodeTrace[12];
            int k = 0;
            for (int i = 8; i >= 0; i--) {
                upstream[k++] = Fixtures.trace("L1." + i, 1, NodeStatus.RAN, 10);
            }
            for (int i = 2; i >= 0; i--) {
                upstream[k++] = Fixtures.trace("L2." + i, 2, i == 1 ? NodeStatus.FAILED : NodeStatus.RAN, 20);
            }
            NodeTrace root = Fixtures.trace("L3.0", 3, NodeStatus.RAN, 42);
            h.processElement(new AgentChunk(q.id(), "L3.0", 3, "ok. Answer: A",
                    new NodeResult(q, "ok. Answer: A", root, 30, upstream)), 0);
            AnswerRecord a = h.extractOutputValues().get(0);
            assertEquals("q4", a.queryId());
            assertEquals(13, a.trace().length);
            assertEquals("L1.0", a.trace()[0].nodeId());
            assertEquals("L3.0", a.trace()[12].nodeId());
            assertEquals(Boolean.TRUE, a.correct());
            assertTrue(a.degraded(), "a failed node degrades the answer");
            assertTrue(a.simulated());
            assertEquals(42, a.latencyMs(), "virtual-time latency is the root's end offset");
            assertEquals(30, a.engineCriticalPathMs());
            assertEquals(0, h.numKeyedStateEntries());
        }
    }

    /** An aggregator bypassed at 20 ms with {@code answer}, unanimous. */
    private static NodeTrace bypassedTrace(String nodeId, int level, String answer) {
        return new NodeTrace(nodeId, level, "agg", "default", 0, NodeStatus.SKIPPED, new String[0], 0, 0, 0, 0, 0, 20,
                20, 0, 0, 0.7, answer, null, true, true, true, 1.0, 0);
    }

    private void cluster(KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> h, QueryTask q,
                         int first, String... answers) throws Exception {
        for (int i = 0; i < answers.length; i++) {
            NodeStatus status = answers[i] == null ? NodeStatus.FAILED : NodeStatus.RAN;
            h.processElement(finalChunk(q, "L1." + (first + i), 1, status, 10, answers[i], 0.5 + 0.1 * i), 0);
        }
    }

    @Test
    void bypassAtThresholdOneNeedsEveryInputToAgree() throws Exception {
        try (var h = harness(1, 1.0)) {
            QueryTask q = query("b1", "tree");
            cluster(h, q, 0, "B", "B", "B");
            cluster(h, q, 3, "B", "B", "C");
            cluster(h, q, 6, "B", "B", null);
            List<AgentCall.Run> emitted = calls(h, 2, "agg");
            assertEquals(3, emitted.size());
            AgentCall.Consensus c = emitted.get(0).consensus();
            assertEquals("B", c.answer());
            assertEquals("since L1.2. Answer: B", c.text(), "the most confident agreeing input's text");
            assertEquals(0.6, c.confidence(), 1e-9, "mean confidence of the agreeing inputs");
            assertEquals(1.0, emitted.get(0).voteShare(), 1e-9);
            assertNull(emitted.get(1).consensus(), "2 of 3 is not unanimous");
            assertEquals(2.0 / 3, emitted.get(1).voteShare(), 1e-9);
            assertNull(emitted.get(2).consensus(), "a failed input counts in k: 2 of 3");
            assertEquals(0, h.numKeyedStateEntries());
        }
    }

    @Test
    void bypassAtTwoThirdsTakesMajoritiesButNotPluralities() throws Exception {
        try (var h = harness(1, 0.67)) {
            QueryTask q = query("b2", "tree");
            cluster(h, q, 0, "B", "C", "B");
            cluster(h, q, 3, "A", "B", "C");
            cluster(h, q, 6, null, "D", "D");
            List<AgentCall.Run> emitted = calls(h, 2, "agg");
            assertEquals("B", emitted.get(0).consensus().answer());
            assertEquals("since L1.2. Answer: B", emitted.get(0).consensus().text());
            assertNull(emitted.get(1).consensus(), "no two agree");
            assertEquals(1.0 / 3, emitted.get(1).voteShare(), 1e-9);
            assertEquals("D", emitted.get(2).consensus().answer());
        }
    }

    @Test
    void bypassOffComputesNoVote() throws Exception {
        try (var h = harness(1)) {
            QueryTask q = query("b3", "cluster");
            cluster(h, q, 0, "B", "B", "B");
            AgentCall.Run call = calls(h, 2, "agg").get(0);
            assertNull(call.consensus());
            assertEquals(0, call.voteShare());
        }
    }

    @Test
    void aBypassedRootIsAFlaggedAnswerNotADegradedOne() throws Exception {
        try (var h = harness(3, 1.0)) {
            QueryTask q = query("b4", "tree");
            NodeTrace bypassed = bypassedTrace("L3.0", 3, "A");
            NodeTrace[] upstream = new NodeTrace[12];
            for (int i = 0; i < 9; i++) {
                upstream[i] = Fixtures.trace("L1." + i, 1, NodeStatus.RAN, 10);
            }
            for (int i = 0; i < 3; i++) {
                upstream[9 + i] = Fixtures.trace("L2." + i, 2, NodeStatus.RAN, 20);
            }
            h.processElement(new AgentChunk(q.id(), "L3.0", 0, "x. Answer: A",
                    new NodeResult(q, "x. Answer: A", bypassed, 20, upstream)), 0);
            AnswerRecord a = h.extractOutputValues().get(0);
            assertTrue(a.aggregatorBypassed());
            assertFalse(a.degraded());
            assertEquals("A", a.extractedAnswer());
            assertEquals(Boolean.TRUE, a.correct());
        }
    }

    @Test
    void bypassedChildrenAreInputsOfTheirParent() throws Exception {
        try (var h = harness(2, 1.0)) {
            QueryTask q = query("b5", "tree");
            for (int i = 0; i < 3; i++) {
                NodeTrace t = bypassedTrace("L2." + i, 2, "C");
                h.processElement(new AgentChunk(q.id(), "L2." + i, 0, "y. Answer: C",
                        new NodeResult(q, "y. Answer: C", t, 20, new NodeTrace[0])), 0);
            }
            AgentCall.Run root = calls(h, 3, "agg").get(0);
            assertArrayEquals(new String[] {"L2.0", "L2.1", "L2.2"}, root.inputs());
            assertEquals("C", root.consensus().answer());
        }
    }
}
