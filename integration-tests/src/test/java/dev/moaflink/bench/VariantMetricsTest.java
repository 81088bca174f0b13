package dev.moaflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.job.config.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The faster-moa benchmark's figures from hand-made answers, and its target checks from hand-made figures. */
@Timeout(10)
class VariantMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Three answers: one plain with a cancelled leaf, one with a bypassed root and a skipped leaf, one degraded. */
    private static final List<String> ANSWERS = List.of("""
            {"query_id": "q1", "latency_ms": 100, "correct": true, "aggregator_bypassed": false, "simulated": true,
             "trace": [
              {"node_id": "L1.0", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 5,
               "prefill_ms": 1, "prefill_exposed_ms": 1},
              {"node_id": "L1.1", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 7},
              {"node_id": "L1.2", "level": 1, "status": "CANCELLED", "prompt_tokens": 10, "output_tokens": 2},
              {"node_id": "root", "level": 2, "status": "RAN", "prompt_tokens": 40, "output_tokens": 6,
               "prefill_ms": 8, "prefill_exposed_ms": 2, "bypassed": false}]}""", """
            {"query_id": "q2", "latency_ms": 300, "correct": false, "aggregator_bypassed": true, "simulated": true,
             "trace": [
              {"node_id": "L1.0", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 5},
              {"node_id": "L1.1", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 5},
              {"node_id": "L1.2", "level": 1, "status": "SKIPPED", "prompt_tokens": 0, "output_tokens": 0},
              {"node_id": "root", "level": 2, "status": "SKIPPED", "bypassed": true, "vote_share": 1.0,
               "prompt_tokens": 99, "output_tokens": 99}]}""", """
            {"query_id": "q3", "latency_ms": 200, "correct": null, "degraded": true, "simulated": false,
             "trace": [
              {"node_id": "L1.0", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 1},
              {"node_id": "root", "level": 2, "status": "FAILED", "prompt_tokens": 20, "output_tokens": 0,
               "prefill_ms": 4, "prefill_exposed_ms": 4}]}""");

    @Test
    void figuresFromHandMadeAnswers() throws Exception {
        VariantMetrics m = VariantMetrics.of(parse(ANSWERS));

        assertEquals(3, m.queries());
        assertEquals(200, m.p50Ms(), 1e-9, "nearest rank of 100, 200, 300");
        assertEquals(300, m.p95Ms(), 1e-9);
        assertEquals(200, m.meanMs(), 1e-9);
        assertEquals(2, m.withGold(), "q3 had no gold");
        assertEquals(0.5, m.accuracy(), 1e-9);
        assertEquals(6.0 / 3, m.invocations(), 1e-9, "RAN nodes: 3 + 2 + 1");
        assertEquals(10.0 / 3, m.nodesPerQuery(), 1e-9);
        assertEquals(120.0 / 3, m.promptTokens(), 1e-9, "skipped nodes (the bypassed root's 99) do not count");
        assertEquals(31.0 / 3, m.outputTokens(), 1e-9);
        assertEquals(6.0 / 3, m.exposedPrefillMs(), 1e-9, "level >= 2 only: 2 + 0 + 4");
        assertEquals(12.0 / 3, m.aggregatorPrefillMs(), 1e-9, "level >= 2 only: 8 + 0 + 4");
        assertEquals(0.1, m.cancelRate(), 1e-9, "1 of 10 nodes");
        assertEquals(0.1, m.skipRate(), 1e-9, "the skipped leaf; the bypassed root is not a skip");
        assertEquals(1.0 / 3, m.bypassRate(), 1e-9, "1 of 3 aggregators");
        assertEquals(1.0 / 3, m.aggregatorBypassedShare(), 1e-9);
        assertEquals(1.0 / 3, m.degradedShare(), 1e-9);
        assertTrue(m.simulated());

        Map<String, Object> f = m.figures();
        assertEquals(0.5, f.get("accuracy"));
        assertEquals(2.0, f.get("invocations"));
        assertEquals(2.0, f.get("exposed_prefill_ms"));
        assertEquals(0.3333, f.get("bypass_rate"));
        assertEquals(true, f.get("simulated"));
    }

    @Test
    void noGoldMeansNoAccuracyAndNoAnswersIsAnError() throws Exception {
        VariantMetrics m = VariantMetrics.of(parse(List.of(ANSWERS.get(2))));
        assertNull(m.accuracy());
        assertFalse(m.simulated());
        assertEquals(0, m.bypassRate(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> VariantMetrics.of(List.of()));
    }

    @Test
    void pairedAccuracyCountsTheQuestionsTwoVariantsAnsweredDifferentlyWithAnExactSignTest() {
        Map<String, Boolean> dense = Map.of("a", true, "b", true, "c", false, "d", true, "e", false);
        Map<String, Boolean> tree = Map.of("a", true, "b", false, "c", true, "d", false, "e", false, "x", true);
        VariantMetrics.Paired p = VariantMetrics.Paired.of(tree, dense);
        assertEquals(1, p.gained(), "c");
        assertEquals(2, p.lost(), "b and d; x has no counterpart");
        assertEquals(1.0, p.signTestP(), 1e-12, "1 vs 2 of 3: 2 * P(X <= 1) = 2 * 4/8, capped at 1");
        assertEquals(2 * 56.0 / 1024, VariantMetrics.Paired.signTest(2, 8), 1e-12, "2 * (1 + 10 + 45) / 1024");
        assertEquals(0.3833, VariantMetrics.Paired.signTest(8, 13), 1e-4);
        assertEquals(1.0, VariantMetrics.Paired.signTest(0, 0), 1e-12);
    }

    @Test
    void targetsAreCheckedAgainstTheRunsFigures() {
        List<Variant> all = Variant.standard("dense-9-9-1", "tree-9-3-1");
        List<FasterMoaBench.Outcome> outcomes = new ArrayList<>();
        // slug -> p50, accuracy, exposed prefill
        Map<String, double[]> figures = Map.of("dense", new double[] {1000, 0.80, 500},
                "tree", new double[] {600, 0.80, 100}, "tree-overlap", new double[] {400, 0.80, 15},
                "tree-overlap-ee", new double[] {300, 0.80, 15}, "bypass-1", new double[] {90, 0.805, 10},
                "bypass-067", new double[] {200, 0.70, 5}, "ee-never", new double[] {430, 0.80, 15});
        for (Variant v : all) {
            double[] x = figures.get(v.slug());
            outcomes.add(new FasterMoaBench.Outcome(v, metrics(x[0], x[1], x[2]), 1, null, null, Path.of("a.jsonl")));
        }
        FasterMoaBench.EngineRun sim = new FasterMoaBench.EngineRun("sim", true, 100, "simulated", outcomes, 1);
        Map<String, Object> overhead = FasterMoaBench.earlyExitOverhead(sim);
        assertEquals(0.075, (double) overhead.get("overhead"), 1e-9, "430 / 400 - 1");
        assertEquals(false, overhead.get("met"));

        List<FasterMoaBench.Check> checks = FasterMoaBench.checks(sim, overhead);
        assertEquals(6, checks.size());
        assertCheck(checks.get(0), "+bypass T=1", 1000.0 / 90, true);   // ≥ 10x on sim
        assertCheck(checks.get(1), "+bypass T=1", 0.5, true);           // +0.5 pp
        assertCheck(checks.get(2), "+bypass T=2/3", 5.0, false);
        assertCheck(checks.get(3), "+bypass T=2/3", -10.0, false);
        assertCheck(checks.get(4), "tree+overlap", 0.15, true);         // 15 / 100 exposed prefill
        assertCheck(checks.get(5), "early-exit-never", 0.075, false);

        FasterMoaBench.EngineRun djl = new FasterMoaBench.EngineRun("djl", false, 100, "djl", outcomes, 1);
        assertCheck(FasterMoaBench.checks(djl, overhead).get(2), "+bypass T=2/3", 5.0, true); // ≥ 3x on djl

        FasterMoaBench.EngineRun noDense = new FasterMoaBench.EngineRun("sim", true, 100, "simulated",
                outcomes.subList(1, outcomes.size()), 1);
        assertNull(FasterMoaBench.checks(noDense, overhead).get(0).met(), "no dense: not computed, not met");
    }

    @Test
    void variantsAreSelectedByNameOrShortName() {
        List<Variant> all = Variant.standard("dense-9-9-1", "tree-9-3-1");
        assertEquals(7, Variant.select(all, "all").size());
        assertEquals(List.of("dense", "+bypass T=2/3"),
                Variant.select(all, "+bypass T=2/3,dense").stream().map(Variant::name).toList());
        assertEquals(List.of("tree-overlap-ee"),
                Variant.select(all, "tree-overlap-ee").stream().map(Variant::slug).toList());
        assertThrows(IllegalArgumentException.class, () -> Variant.select(all, "star"));
    }

    private static void assertCheck(FasterMoaBench.Check c, String variant, double value, boolean met) {
        assertEquals(variant, c.variant(), c.toString());
        assertEquals(value, c.value(), 1e-9, c.toString());
        assertEquals(met, c.met(), c.toString());
    }

    private static VariantMetrics metrics(double p50, double accuracy, double exposed) {
        Map<String, Boolean> correct = new java.util.HashMap<>();
        for (int i = 0; i < 100; i++) {
            correct.put("q" + i, i < Math.round(accuracy * 100));
        }
        return new VariantMetrics(100, 100, p50, p50 * 2, p50, accuracy, 13, 13, 1000, 100, exposed, exposed, 0, 0, 0,
                0, 0, true, correct);
    }

    private static List<JsonNode> parse(List<String> lines) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            out.add(JSON.readTree(l));
        }
        return out;
    }
}
