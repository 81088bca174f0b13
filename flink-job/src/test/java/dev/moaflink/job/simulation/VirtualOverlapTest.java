package dev.moaflink.job.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moaflink.job.collect.LevelState;
import dev.moaflink.job.collect.SlottedPrompt;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.schema.NodeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The prompt pieces real-time streaming would have appended, each at the engine-clock time it became available. */
@Timeout(10)
class VirtualOverlapTest {

    private final Topology cluster = Fixtures.treeAndDense().get("cluster");
    private final QueryTask q = Fixtures.query("o1", "cluster");

    private void finished(LevelState p, int child, String text, double end, double decode, int tokens,
                          NodeStatus status) {
        NodeTrace t = new NodeTrace("L1." + child, 1, "a", "default", 0, status, new String[0], 0, 5, 5, decode, 6,
                end - decode - 5, end, 10, tokens, 0.9, null, null, true, true, false, 0, 0);
        p.finished[child] = new NodeResult(q, text, t, end, new NodeTrace[0]);
    }

    private static void chunk(LevelState p, int child, String text, int tokens) {
        p.addText(child, text);
        p.addMark(child, tokens);
    }

    @Test
    void slotsFillInChildOrderAsTheirChunksDecode() {
        LevelState p = new LevelState(3, 1);
        // L1.0 decodes 6 tokens from 40 to 100 ms; L1.1 ends first (at 50), L1.2 last (at 200).
        chunk(p, 0, "alpha ", 2);
        chunk(p, 0, "beta ", 4);
        p.addText(0, "Answer: A"); // the last chunk's text comes with the result, unmarked
        finished(p, 0, "alpha beta Answer: A", 100, 60, 6, NodeStatus.RAN);
        p.addText(1, "Answer: A");
        finished(p, 1, "Answer: A", 50, 20, 3, NodeStatus.RAN);
        chunk(p, 2, "gamma ", 5);
        p.addText(2, "Answer: B");
        finished(p, 2, "gamma Answer: B", 200, 100, 10, NodeStatus.RAN);

        SlottedPrompt s = VirtualOverlap.schedule(cluster, cluster.node("L2.0"), p);
        assertEquals(Prompts.responseSlot(1, "alpha beta Answer: A") + Prompts.responseSlot(2, "Answer: A")
                + Prompts.responseSlot(3, "gamma Answer: B"), String.join("", s.parts()));
        assertEquals(50, s.openMs(), 1e-9, "opened at the first output of any child (L1.1's at 50)");
        double[] ready = s.partReadyMs();
        assertEquals(s.parts().size(), ready.length);
        assertArrayEquals(new double[] {60, 80, 100, 100, 150}, java.util.Arrays.copyOf(ready, 5), 1e-9,
                "'alpha' after 2 of L1.0's 6 tokens; slot 1 closes at 100; L1.1 ended at 50 but waits for slot 1;"
                        + " 'gamma' after 5 of L1.2's 10 tokens");
        assertEquals(200, ready[ready.length - 1], 1e-9);
        assertEquals(0b111, s.slotted());
    }

    @Test
    void anInputThatFailedBeforeItsSlotOpenedGetsNone() {
        LevelState p = new LevelState(3, 1);
        p.addText(0, "slow. Answer: A");
        finished(p, 0, "slow. Answer: A", 100, 50, 4, NodeStatus.RAN);
        finished(p, 1, "", 30, 0, 0, NodeStatus.FAILED);
        p.addText(2, "Answer: B");
        finished(p, 2, "Answer: B", 120, 10, 2, NodeStatus.RAN);
        SlottedPrompt s = VirtualOverlap.schedule(cluster, cluster.node("L2.0"), p);
        assertEquals(0b101, s.slotted());
        assertEquals(Prompts.responseSlot(1, "slow. Answer: A") + Prompts.responseSlot(2, "Answer: B"),
                String.join("", s.parts()), "the failed input is not numbered");
    }
}
