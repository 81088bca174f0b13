package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import dev.moaflink.scheduler.profile.CostProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.optaplanner.test.api.score.stream.ConstraintVerifier;

/** Each constraint alone, with figures worked out by hand. */
class PlacementConstraintsTest {

    private final ConstraintVerifier<PlacementConstraints, PlacementSolution> verifier =
            ConstraintVerifier.build(new PlacementConstraints(), PlacementSolution.class, Share.class);

    private final Worker gpu0 = new Worker("gpu-0", "gpu", 50_000);
    private final Worker gpu1 = new Worker("gpu-1", "gpu", 50_000);
    // 20,000 MB weights + 10,000 MB KV = 30,000 MB per replica; 1 s of decode per request; load 5 s
    private final ModelLoad a = load("a", Stage.EXPERT, 100);
    private final ModelLoad b = load("b", Stage.EXPERT, 100);
    private final ModelLoad agg = load("agg", Stage.AGGREGATOR, 100);

    private static ModelLoad load(String name, Stage stage, long requests) {
        CostProfile p = Workloads.profile(name, 20_000, 10_000, 100, 100, 5);
        return new ModelLoad(name, stage, p, requests, 0);
    }

    @Test
    void twoModelsOverflowAWorkerByTheirExcessMegabytes() {
        verifier.verifyThat(PlacementConstraints::workerMemory)
                .given(new Share(0, a, 10, gpu0), new Share(1, a, 10, gpu0), new Share(2, b, 10, gpu0))
                .penalizesBy(10_000); // 60,000 MB on a 50,000 MB worker; a counted once although it has two shares
        verifier.verifyThat(PlacementConstraints::workerMemory)
                .given(new Share(0, a, 10, gpu0), new Share(1, b, 10, gpu1))
                .penalizesBy(0);
    }

    @Test
    void aModelWithoutAnyShareIsPenalised() {
        verifier.verifyThat(PlacementConstraints::everyModelHasAReplica)
                .given(a, b, new Share(0, a, 10, gpu0))
                .penalizesBy(PlacementConstraints.STRUCTURAL);
        verifier.verifyThat(PlacementConstraints::everyModelHasAReplica)
                .given(a, b, new Share(0, a, 10, gpu0), new Share(1, b, 0, gpu1))
                .penalizesBy(0);
    }

    @Test
    void aWorkerTypeWithoutFiguresIsPenalised() {
        Worker cpu = new Worker("cpu-0", "cpu", 50_000);
        verifier.verifyThat(PlacementConstraints::supportedWorkerType)
                .given(new Share(0, a, 10, cpu), new Share(1, a, 10, gpu0))
                .penalizesBy(PlacementConstraints.STRUCTURAL);
    }

    @Test
    void theExpertStageLastsAsLongAsItsBusiestWorker() {
        verifier.verifyThat(PlacementConstraints::expertStageMakespan)
                .given(new Share(0, a, 30, gpu0), new Share(1, b, 20, gpu0), new Share(2, a, 40, gpu1),
                        new Share(3, agg, 500, gpu1))
                .penalizesBy(50_000); // gpu-0: 50 requests × 1 s; the aggregator's work does not count here
    }

    @Test
    void theAggregatorStageLastsAsLongAsItsBusiestWorker() {
        verifier.verifyThat(PlacementConstraints::aggregatorStageTime)
                .given(new Share(0, agg, 30, gpu0), new Share(1, agg, 45, gpu1), new Share(2, a, 500, gpu0))
                .penalizesBy(45_000);
    }

    @Test
    void everyReplicaCostsItsLoadTimeOnce() {
        verifier.verifyThat(PlacementConstraints::modelLoadCost)
                .given(new Share(0, a, 10, gpu0), new Share(1, a, 10, gpu0), new Share(2, a, 10, gpu1),
                        new Share(3, b, 10, gpu1))
                .penalizesBy(15_000); // three replicas (a on both, b on gpu-1) × 5 s
    }

    @Test
    void unevenExpertLoadsCostMoreThanEvenOnes() {
        verifier.verifyThat(PlacementConstraints::expertLoadBalance)
                .given(new Share(0, a, 30, gpu0), new Share(1, b, 10, gpu1))
                .penalizesBy(30 * 30 + 10 * 10);
        verifier.verifyThat(PlacementConstraints::expertLoadBalance)
                .given(new Share(0, a, 20, gpu0), new Share(1, b, 20, gpu1))
                .penalizesBy(20 * 20 + 20 * 20);
    }

    @Test
    void theWorkloadHelperMatchesTheProfileArithmetic() {
        org.junit.jupiter.api.Assertions.assertEquals(1.0, a.secondsPerRequest(gpu0), 1e-9);
        org.junit.jupiter.api.Assertions.assertEquals(30_000, a.replicaMb());
        org.junit.jupiter.api.Assertions.assertEquals(Map.of("gpu", 1L), Map.of("gpu", (long) a.secondsPerRequest(gpu0)));
    }
}
