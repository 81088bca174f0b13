package dev.moaflink.job.testing;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyCompiler;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.job.topology.TopologySpec;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.schema.TaskType;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small builders shared by the operator tests. */
public final class Fixtures {

    private Fixtures() {}

    public static final Set<String> MODELS = Set.of("a", "b", "c", "agg");

    public static TopologySet treeAndDense() {
        Topology tree = TopologyCompiler.compile("tree", new TopologySpec(TopologySpec.Kind.TREE, 3, 3,
                List.of(List.of("a", "b", "c"), List.of("agg"), List.of("agg")), null), MODELS);
        Topology dense = TopologyCompiler.compile("dense", new TopologySpec(TopologySpec.Kind.DENSE, null, null, null,
                List.of(Collections.nCopies(9, "a"), Collections.nCopies(9, "agg"), List.of("agg"))), MODELS);
        // One cluster of three leaves under the root: a level-1 collector test that feeds a whole level of three.
        Topology cluster = TopologyCompiler.compile("cluster", new TopologySpec(TopologySpec.Kind.TREE, 3, 2,
                List.of(List.of("a", "b", "c"), List.of("agg")), null), MODELS);
        return new TopologySet(Map.of("tree", tree, "dense", dense, "cluster", cluster), "tree");
    }

    public static QueryTask query(String id, String topology) {
        return new QueryTask(id, "Which is blue?", new String[] {"sky", "grass"}, TaskType.MULTIPLE_CHOICE, "A",
                topology, 1_000L);
    }

    public static NodeTrace trace(String nodeId, int level, NodeStatus status, double end) {
        return new NodeTrace(nodeId, level, "a", "default", 0, status, new String[0], 0, 1, 1, 2, 1, end - 3, end, 10,
                5, 0.8, "A", null, true, true, false, 0.0, 0);
    }

    /** The final chunk of {@code nodeId}, answering "A". */
    public static AgentChunk finalChunk(QueryTask q, String nodeId, int level, NodeStatus status, double end) {
        String text = status == NodeStatus.RAN ? "because. Answer: A" : "";
        return new AgentChunk(q.id(), nodeId, 1, text,
                new NodeResult(q, text, trace(nodeId, level, status, end), end, new NodeTrace[0]));
    }

    /** The final chunk of {@code nodeId}, answering {@code answer} with {@code confidence}. */
    public static AgentChunk finalChunk(QueryTask q, String nodeId, int level, NodeStatus status, double end,
                                        String answer, double confidence) {
        String text = status == NodeStatus.RAN ? "since " + nodeId + ". Answer: " + answer : "";
        NodeTrace t = new NodeTrace(nodeId, level, "a", "default", 0, status, new String[0], 0, 1, 1, 2, 1, end - 3,
                end, 10, 5, confidence, status == NodeStatus.RAN ? answer : null, null, true, true, false, 0.0, 0);
        return new AgentChunk(q.id(), nodeId, 1, text, new NodeResult(q, text, t, end, new NodeTrace[0]));
    }

    public static AgentCall.Run leafCall(QueryTask q, String nodeId, String model) {
        return new AgentCall.Run(q, nodeId, 1, model, "Question: " + q.text(), new String[0], 0, 0, false, new String[0],
                new NodeTrace[0], 0.0, null);
    }
}
