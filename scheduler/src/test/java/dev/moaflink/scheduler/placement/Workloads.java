package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import dev.moaflink.scheduler.profile.CostProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small workloads for the tests: profiles written out, so each expected figure can be checked by hand. */
final class Workloads {

    private Workloads() {}

    /**
     * A profile on one worker type "gpu": per request 0 s overhead, 0 s prefill (huge prefill rate), and
     * {@code outputTokens / decodeTps} seconds of decode.
     */
    static CostProfile profile(String name, double weightMb, double kvMb, double outputTokens, double decodeTps,
                               double loadS) {
        return new CostProfile(name, false, "test", weightMb, 1024, kvMb, loadS, 0,
                new CostProfile.OutputLength(outputTokens, outputTokens * 2),
                Map.of("gpu", new CostProfile.Throughput(1e12, decodeTps, decodeTps / 10)), Map.of());
    }

    static List<Worker> gpus(int n, long memoryMb) {
        List<Worker> ws = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ws.add(new Worker("gpu-" + i, "gpu", memoryMb));
        }
        return ws;
    }

    /**
     * MOSAIC-like: 2 heavy reasoning experts (3000 output tokens) and 4 light ones (200), demand skewed, an
     * aggregator; 4 workers of 80 GB that hold about three 8B-class replicas each.
     */
    static PlacementSolution mosaicLike(int sharesPerModel) {
        List<ModelLoad> models = new ArrayList<>();
        long[] demand = {900, 600, 1800, 300, 60, 20};
        for (int i = 0; i < 6; i++) {
            boolean heavy = i < 2;
            CostProfile p = profile("expert-" + i, 16000, heavy ? 10000 : 6000, heavy ? 3000 : 200, 2600, 10);
            models.add(new ModelLoad(p.model(), Stage.EXPERT, p, demand[i], 300));
        }
        CostProfile agg = profile("aggregator", 16000, 6000, 300, 3000, 10);
        models.add(new ModelLoad("aggregator", Stage.AGGREGATOR, agg, 1200, 1500));
        return PlacementProblem.of(gpus(4, 80000), models, sharesPerModel);
    }
}
