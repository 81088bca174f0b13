package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.PlacementPlan;
import dev.moaflink.scheduler.plan.Stage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class PlacementSolverTest {

    @TempDir
    Path dir;

    private final PlacementSolver solver = new PlacementSolver(PlacementSolver.Settings.deterministic(300));

    @Test
    void roundRobinPlacesEachModelOnceAndDataParallelEverywhereItFits() {
        PlacementSolution problem = Workloads.mosaicLike(8);
        PlacementMetrics rr = PlacementMetrics.of(Baselines.roundRobin(problem));
        rr.replicas().values().forEach(r -> assertEquals(1, r.size(), "round-robin: one replica per model"));
        assertTrue(rr.memoryFeasible());
        PlacementMetrics dp = PlacementMetrics.of(Baselines.dataParallel(problem));
        // every model keeps its round-robin replica; 80,000 MB then has room for one more 22,000-26,000 MB
        // replica per worker, taken by the first model in order not yet there (expert-0 everywhere)
        dp.replicas().values().forEach(r -> assertTrue(r.size() >= 1));
        assertEquals(4, dp.replicas().get("expert-0").size(), dp.replicas().toString());
        assertTrue(dp.memoryFeasible());
        assertTrue(problem.getShares().stream().allMatch(s -> s.getWorker() == null), "baselines work on copies");
    }

    @Test
    void optaplannerBeatsBothBaselinesAndComesCloseToTheLowerBound() {
        PlacementSolution problem = Workloads.mosaicLike(8);
        PlacementSolution best = solver.solve(problem);
        PlacementMetrics opt = PlacementMetrics.of(best);
        PlacementMetrics rr = PlacementMetrics.of(Baselines.roundRobin(problem));
        PlacementMetrics dp = PlacementMetrics.of(Baselines.dataParallel(problem));
        double bound = PlacementProblem.expertLowerBoundSeconds(problem);
        assertTrue(best.getScore().isFeasible(), best.getScore().toString());
        assertTrue(opt.memoryFeasible());
        assertTrue(opt.expertMakespanS() < rr.expertMakespanS() / 2, opt + " vs round-robin " + rr);
        assertTrue(opt.expertMakespanS() <= dp.expertMakespanS(), opt + " vs data-parallel " + dp);
        assertTrue(opt.expertMakespanS() <= bound * 1.10, opt.expertMakespanS() + " s vs lower bound " + bound + " s");
        // the heaviest expert (1,800 requests of 3,000 tokens... here expert-0: 900 × 3000) is replicated
        assertTrue(opt.replicas().get("expert-0").size() > 1, opt.replicas().toString());
    }

    @Test
    void deterministicSettingsGiveTheSameAnswerTwice() {
        PlacementMetrics first = PlacementMetrics.of(solver.solve(Workloads.mosaicLike(6)));
        PlacementMetrics second = PlacementMetrics.of(solver.solve(Workloads.mosaicLike(6)));
        assertEquals(first, second);
    }

    @Test
    void theLowerBoundIsTotalWorkOverWorkersOrTheLongestSingleRequest() {
        PlacementSolution p = Workloads.mosaicLike(4);
        // expert work: (900 + 600) × 3000/2600 s + (1800 + 300 + 60 + 20) × 200/2600 s, over 4 workers
        double total = 1500 * 3000 / 2600.0 + 2180 * 200 / 2600.0;
        assertEquals(total / 4, PlacementProblem.expertLowerBoundSeconds(p), 1e-6);
        PlacementSolution tiny = PlacementProblem.of(Workloads.gpus(4, 80000), List.of(new ModelLoad("x", Stage.EXPERT,
                Workloads.profile("x", 1000, 1000, 3000, 2600, 1), 1, 0)), 1);
        assertEquals(3000 / 260.0, PlacementProblem.expertLowerBoundSeconds(tiny), 1e-6, "one request alone at b1 speed");
    }

    @Test
    void aPlanRoundTripsThroughItsFileAndBadPlansAreRefusedWithReasons() throws Exception {
        PlacementSolution best = solver.solve(Workloads.mosaicLike(4));
        PlacementPlan plan = PlacementPlans.of(best, Map.of("expert_makespan_s", PlacementMetrics.of(best).expertMakespanS()));
        Path file = dir.resolve("plan.json");
        plan.write(file);
        PlacementPlan back = PlacementPlan.read(file);
        assertEquals(plan.workers(), back.workers());
        assertEquals(plan.models().keySet(), back.models().keySet());
        back.models().values().forEach(m -> assertEquals(1.0,
                m.replicas().stream().mapToDouble(PlacementPlan.Replica::weight).sum(), 1e-3));
        String json = java.nio.file.Files.readString(file).replace("\"worker\" : \"gpu-1\"", "\"worker\" : \"gpu-9\"");
        java.nio.file.Files.writeString(file, json);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PlacementPlan.read(file));
        assertTrue(e.getMessage().contains("replica on unknown worker 'gpu-9'"), e.getMessage());
    }
}
