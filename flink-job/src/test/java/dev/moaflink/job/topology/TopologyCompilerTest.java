package dev.moaflink.job.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TopologyCompilerTest {

    private static final Set<String> MODELS = Set.of("a", "b", "c", "agg");

    static TopologySpec tree(int fanIn, int depth, List<List<String>> models) {
        return new TopologySpec(TopologySpec.Kind.TREE, fanIn, depth, models, null);
    }

    static TopologySpec dense(List<List<String>> layers) {
        return new TopologySpec(TopologySpec.Kind.DENSE, null, null, null, layers);
    }

    @Test
    void tree931HasClustersOfThree() {
        Topology t = TopologyCompiler.compile("t", tree(3, 3, List.of(List.of("a", "b", "c"), List.of("agg"),
                List.of("agg"))), MODELS);
        assertEquals(3, t.depth());
        assertEquals(9, t.level(1).size());
        assertEquals(3, t.level(2).size());
        assertEquals(13, t.size());
        assertEquals(List.of("L1.3", "L1.4", "L1.5"), t.node("L2.1").children());
        assertEquals(List.of("L2.1"), t.node("L1.4").parents());
        assertEquals("b", t.node("L1.4").model(), "level models cycle over the level's nodes");
        assertEquals(List.of("L2.0", "L2.1", "L2.2"), t.root().children());
        assertTrue(t.root().isRoot());
        assertEquals("t (tree 9-3-1)", t.toString());
    }

    @Test
    void dense991ReadsWholePreviousLayer() {
        List<String> nine = Collections.nCopies(9, "a");
        Topology t = TopologyCompiler.compile("d", dense(List.of(nine, Collections.nCopies(9, "agg"),
                List.of("agg"))), MODELS);
        assertEquals(19, t.size());
        assertEquals(9, t.node("L2.4").children().size());
        assertEquals(9, t.node("L1.0").parents().size());
        assertEquals("L3.0", t.root().id());
        assertEquals("d (dense 9→9→1)", t.toString());
    }

    @Test
    void samplingListsOneValidEntryPerLevel() {
        List<List<String>> models = List.of(List.of("a"), List.of("agg"));
        TopologySpec ok = new TopologySpec(TopologySpec.Kind.TREE, 4, 2, models, null,
                java.util.Arrays.asList(new LevelSampling(0.7, 0.9), null));
        TopologyCompiler.compile("self", ok, MODELS);
        assertEquals(0.7, ok.samplingOf(1).temperature());
        assertEquals(null, ok.samplingOf(2), "a level without an entry samples as the agent settings say");
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> TopologyCompiler.compile(
                "self", new TopologySpec(TopologySpec.Kind.TREE, 4, 2, models, null,
                        List.of(new LevelSampling(0.7, null))), MODELS));
        assertTrue(count.getMessage().contains("one entry per level (2 levels), got 1"), count.getMessage());
        IllegalArgumentException topP = assertThrows(IllegalArgumentException.class, () -> TopologyCompiler.compile(
                "self", new TopologySpec(TopologySpec.Kind.TREE, 4, 2, models, null,
                        List.of(new LevelSampling(0.7, 1.5), new LevelSampling(-1.0, null))), MODELS));
        assertTrue(topP.getMessage().contains("sampling of level 1: top_p must be in (0, 1]"), topP.getMessage());
    }

    @Test
    void singleAgentIsLeafAndRoot() {
        Topology t = TopologyCompiler.compile("one", tree(1, 1, List.of(List.of("a"))), MODELS);
        assertTrue(t.root().isLeaf());
        assertTrue(t.root().isRoot());
    }

    @Test
    void rejectsMalformedTopologies() {
        assertMessage("fan_in must be >= 1", () -> TopologyCompiler.compile("x",
                tree(0, 2, List.of(List.of("a"), List.of("agg"))), MODELS));
        assertMessage("unknown model 'gpt'", () -> TopologyCompiler.compile("x",
                tree(2, 2, List.of(List.of("gpt"), List.of("agg"))), MODELS));
        assertMessage("one model list per level", () -> TopologyCompiler.compile("x",
                tree(2, 3, List.of(List.of("a"), List.of("agg"))), MODELS));
        assertMessage("exactly one node", () -> TopologyCompiler.compile("x",
                dense(List.of(List.of("a", "b"), List.of("agg", "agg"))), MODELS));
        assertMessage("at most 64", () -> TopologyCompiler.compile("x",
                tree(9, 3, List.of(List.of("a"), List.of("agg"), List.of("agg"))), MODELS));
        assertMessage("'kind' is required", () -> TopologyCompiler.compile("x",
                new TopologySpec(null, 3, 2, null, null), MODELS));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
        assertTrue(ex.getMessage().startsWith("topology 'x'"), ex.getMessage());
    }
}
