package dev.moaflink.job.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.moaflink.job.collect.LevelState;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.schema.NodeStatus;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node cut at a moment of the engine clock: what it had decoded by then, and the nodes only it read. */
@Timeout(10)
class VirtualCutsTest {

    private final Topology tree = Fixtures.treeAndDense().get("tree");
    private final QueryTask q = Fixtures.query("c1", "tree");

    /** Leaf L1.2, started at 10, prefilled until 40, decoded 6 tokens from 40 to 100, streamed in three chunks. */
    private LevelState leafLevel() {
        LevelState p = new LevelState(9, 3);
        NodeTrace t = new NodeTrace("L1.2", 1, "c", "default", 0, NodeStatus.RAN, new String[0], 0, 30, 30, 60, 35,
                10, 100, 10, 6, 0.9, "C", null, true, true, false, 0, 0);
        p.finished[2] = new NodeResult(q, "alpha beta gamma", t, 100, new NodeTrace[0]);
        String[] chunks = {"alpha ", "beta ", "gamma"};
        for (int i = 0; i < chunks.length; i++) {
            p.addText(2, chunks[i]);
            p.addMark(2, 2 * (i + 1));
        }
        return p;
    }

    @Test
    void aCutInTheMiddleOfDecodeKeepsTheTokensAndTextDecodedByThen() {
        NodeResult cut = VirtualCuts.truncated(tree, 1, leafLevel(), 2, 70, "why");
        NodeTrace t = cut.trace();
        assertEquals(NodeStatus.CANCELLED, t.status());
        assertEquals(70, t.endOffsetMs());
        assertEquals(30, t.decodeMs(), 1e-9, "half of the decode");
        assertEquals(3, t.outputTokens());
        assertEquals("why", t.error());
        assertEquals("alpha ", cut.text(), "the chunks complete by token 3");
        assertEquals(70, cut.criticalPathMs(), 1e-9, "30 ms less on the critical path");
    }

    @Test
    void aCutBeforeTheStartStopsItWithoutWorkAndAfterTheEndChangesNothing() {
        LevelState p = leafLevel();
        NodeTrace early = VirtualCuts.truncated(tree, 1, p, 2, 5, "why").trace();
        assertEquals(NodeStatus.CANCELLED, early.status());
        assertEquals(5, early.startOffsetMs());
        assertEquals(5, early.endOffsetMs());
        assertEquals(0, early.prefillMs());
        assertEquals(0, early.outputTokens());
        assertSame(p.finished[2], VirtualCuts.truncated(tree, 1, p, 2, 100, "why"));
    }

    @Test
    void cuttingAnAggregatorCutsTheInputsOnlyItReadsThatWereStillRunning() {
        LevelState p = new LevelState(3, 1);
        NodeTrace[] below = {Fixtures.trace("L1.6", 1, NodeStatus.RAN, 20), Fixtures.trace("L1.7", 1, NodeStatus.RAN, 30),
            Fixtures.trace("L1.8", 1, NodeStatus.RAN, 300)};
        p.finished[2] = new NodeResult(q, "late. Answer: B", Fixtures.trace("L2.2", 2, NodeStatus.RAN, 400), 400,
                below);
        NodeResult cut = VirtualCuts.truncated(tree, 2, p, 2, 40, "why");
        Map<String, NodeTrace> byId = Arrays.stream(cut.upstream())
                .collect(Collectors.toMap(NodeTrace::nodeId, n -> n));
        assertEquals(NodeStatus.CANCELLED, cut.trace().status());
        assertEquals(NodeStatus.RAN, byId.get("L1.6").status(), "finished before the cut");
        assertEquals(NodeStatus.CANCELLED, byId.get("L1.8").status());
        assertEquals(40, byId.get("L1.8").endOffsetMs(), 1e-9);
        assertEquals(VirtualCuts.CANCELLED_WITH_PARENT, byId.get("L1.8").error());
    }
}
