package dev.moaflink.job.operators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.moaflink.job.collect.AnswerAssembly;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.schema.NodeStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The answer's trace order: the same as a stable sort by level, then index within the level. */
class TraceOrderTest {

    @Test
    void sortsLikeAStableComparatorSort() {
        Random r = new Random(3);
        for (Topology topology : Fixtures.treeAndDense().all().values()) {
            List<NodeTrace> nodes = new ArrayList<>();
            for (int level = 1; level <= topology.depth(); level++) {
                for (TopologyNode n : topology.level(level)) {
                    nodes.add(Fixtures.trace(n.id(), level, NodeStatus.RAN, r.nextInt(100)));
                }
            }
            for (int round = 0; round < 200; round++) {
                List<NodeTrace> shuffled = new ArrayList<>(nodes);
                // Duplicates too: a stable sort keeps them in input order.
                shuffled.add(shuffled.get(r.nextInt(shuffled.size())));
                Collections.shuffle(shuffled, r);
                NodeTrace last = shuffled.remove(shuffled.size() - 1);
                List<NodeTrace> expected = new ArrayList<>(shuffled);
                expected.add(last);
                expected.sort(Comparator.comparingInt(NodeTrace::level)
                        .thenComparingInt(t -> topology.node(t.nodeId()).index()));
                NodeTrace[] actual = AnswerAssembly.sortedByLevelAndIndex(topology,
                        shuffled.toArray(NodeTrace[]::new), last);
                assertArrayEquals(expected.toArray(), actual);
            }
        }
    }
}
