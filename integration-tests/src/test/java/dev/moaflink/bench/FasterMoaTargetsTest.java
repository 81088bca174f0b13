package dev.moaflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.moaflink.job.config.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The faster-moa benchmark's target checks and its comparison with dense, from hand-made figures. */
@Timeout(10)
class FasterMoaTargetsTest {

    @Test
    void targetsAreCheckedAgainstTheRunsFigures() {
        List<Variant> all = Variant.standard("dense-9-9-1", "tree-9-3-1");
        List<VariantOutcome> outcomes = new ArrayList<>();
        // slug -> p50, accuracy, exposed prefill
        Map<String, double[]> figures = Map.of("dense", new double[] {1000, 0.80, 500},
                "tree", new double[] {600, 0.80, 100}, "tree-overlap", new double[] {400, 0.80, 15},
                "tree-overlap-ee", new double[] {300, 0.80, 15}, "bypass-1", new double[] {90, 0.805, 10},
                "bypass-067", new double[] {200, 0.70, 5}, "ee-never", new double[] {430, 0.80, 15});
        for (Variant v : all) {
            double[] x = figures.get(v.slug());
            outcomes.add(new VariantOutcome(v, metrics(x[0], x[1], x[2]), 1, null, null, Path.of("a.jsonl")));
        }
        EngineRun sim = new EngineRun("sim", true, 100, "simulated", outcomes, 1);
        Map<String, Object> overhead = FasterMoaTargets.earlyExitOverhead(sim);
        assertEquals(0.075, (double) overhead.get("overhead"), 1e-9, "430 / 400 - 1");
        assertEquals(false, overhead.get("met"));

        List<FasterMoaTargets.Check> checks = FasterMoaTargets.checks(sim, overhead);
        assertEquals(6, checks.size());
        assertCheck(checks.get(0), "+bypass T=1", 1000.0 / 90, true);   // ≥ 10x on sim
        assertCheck(checks.get(1), "+bypass T=1", 0.5, true);           // +0.5 pp
        assertCheck(checks.get(2), "+bypass T=2/3", 5.0, false);
        assertCheck(checks.get(3), "+bypass T=2/3", -10.0, false);
        assertCheck(checks.get(4), "tree+overlap", 0.15, true);         // 15 / 100 exposed prefill
        assertCheck(checks.get(5), "early-exit-never", 0.075, false);

        EngineRun djl = new EngineRun("djl", false, 100, "djl", outcomes, 1);
        assertCheck(FasterMoaTargets.checks(djl, overhead).get(2), "+bypass T=2/3", 5.0, true); // ≥ 3x on djl

        EngineRun noDense = new EngineRun("sim", true, 100, "simulated", outcomes.subList(1, outcomes.size()), 1);
        assertNull(FasterMoaTargets.checks(noDense, overhead).get(0).met(), "no dense: not computed, not met");
    }

    @Test
    void aVariantIsComparedWithDenseQuestionByQuestion() {
        Variant v = Variant.standard("dense-9-9-1", "tree-9-3-1").get(1);
        VariantOutcome dense = new VariantOutcome(v, metrics(1000, 0.80, 0), 1, null, null, null);
        VariantOutcome tree = new VariantOutcome(v, metrics(250, 0.78, 0), 1, null, null, null);
        VersusDense vs = VersusDense.of(tree, dense);
        assertEquals(4.0, vs.speedup(), 1e-9);
        assertEquals(-2.0, vs.accuracyDeltaPp(), 1e-9);
        assertEquals(0, vs.paired().gained(), "q0..q77 right in both, q78 and q79 right in dense only");
        assertEquals(2, vs.paired().lost());
        assertNull(VersusDense.of(tree, null).speedup(), "no dense: nothing to compare");
    }

    private static void assertCheck(FasterMoaTargets.Check c, String variant, double value, boolean met) {
        assertEquals(variant, c.variant(), c.toString());
        assertEquals(value, c.value(), 1e-9, c.toString());
        assertEquals(met, c.met(), c.toString());
    }

    private static VariantMetrics metrics(double p50, double accuracy, double exposed) {
        Map<String, Boolean> correct = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            correct.put("q" + i, i < Math.round(accuracy * 100));
        }
        return new VariantMetrics(100, 100, p50, p50 * 2, p50, accuracy, 13, 13, 1000, 100, exposed, exposed, 0, 0, 0,
                0, 0, true, correct);
    }
}
