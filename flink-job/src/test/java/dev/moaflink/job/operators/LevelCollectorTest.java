package dev.moaflink.job.operators;

import static dev.moaflink.job.testing.Fixtures.finalChunk;
import static dev.moaflink.job.testing.Fixtures.query;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.schema.NodeStatus;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LevelCollectorTest {

    private static final AgentRoutes ROUTES = new AgentRoutes(false);
    private final TopologySet topologies = Fixtures.treeAndDense();

    private KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> harness(int level)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, AgentChunk, AnswerRecord> h = ProcessFunctionTestHarnesses
                .forKeyedProcessFunction(new LevelCollector(level, topologies, ROUTES), AgentChunk::queryId, Types.STRING);
        h.open();
        return h;
    }

    private static List<AgentCall> calls(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h, int level, String model) {
        var out = h.getSideOutput(ROUTES.tag(level, model));
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    @Test
    void treeParentStartsWhenItsOwnClusterIsDoneAndStateIsClearedAtTheEnd() throws Exception {
        try (var h = harness(1)) {
            QueryTask q = query("q1", "tree");
            h.processElement(finalChunk(q, "L1.3", 1, NodeStatus.RAN, 30), 0);
            h.processElement(finalChunk(q, "L1.4", 1, NodeStatus.RAN, 50), 0);
            assertTrue(calls(h, 2, "agg").isEmpty(), "L2.1 still waits for L1.5");
            h.processElement(finalChunk(q, "L1.5", 1, NodeStatus.RAN, 40), 0);
            List<AgentCall> emitted = calls(h, 2, "agg");
            assertEquals(1, emitted.size(), "L2.1 starts before L2.0's and L2.2's clusters finish");
            AgentCall call = emitted.get(0);
            assertEquals("L2.1", call.nodeId());
            assertArrayEquals(new String[] {"L1.3", "L1.4", "L1.5"}, call.inputs());
            assertEquals(50, call.readyOffsetMs(), "ready when the slowest child of its own cluster ended");
            assertEquals(4, call.promptParts().length, "three numbered responses and the closing query");
            assertTrue(call.promptParts()[0].startsWith("1. "));
            assertEquals(3, call.upstream().length, "children's traces ride along with their parent");
            assertTrue(h.numKeyedStateEntries() > 0);

            for (String id : List.of("L1.0", "L1.1", "L1.2", "L1.6", "L1.7", "L1.8")) {
                h.processElement(finalChunk(q, id, 1, NodeStatus.RAN, 10), 0);
            }
            assertEquals(3, calls(h, 2, "agg").size());
            assertEquals(0, h.numKeyedStateEntries(), "no per-query state once every parent has been emitted");
            assertEquals(0, h.numEventTimeTimers() + h.numProcessingTimeTimers());
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
            List<AgentCall> emitted = calls(h, 2, "agg");
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
            AgentCall call = calls(h, 2, "agg").get(0);
            assertArrayEquals(new String[] {"L1.1", "L1.2"}, call.inputs());
            assertFalse(call.skip());
            for (String id : List.of("L1.3", "L1.4", "L1.5")) {
                h.processElement(finalChunk(q, id, 1, NodeStatus.FAILED, 10), 0);
            }
            assertTrue(calls(h, 2, "agg").get(1).skip(), "nothing to aggregate");
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
}
