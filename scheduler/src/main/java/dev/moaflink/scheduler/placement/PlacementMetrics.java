package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Worker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Figures of an assigned placement, computed directly from the profiles (the same arithmetic as the
 * constraints): expert-stage makespan, aggregator-stage time, their sum, the load cost, replicas per model and
 * whether every worker's memory holds.
 *
 * @param expertMakespanS   busiest worker's expert work
 * @param aggregatorStageS  busiest worker's aggregator work (the stage after the experts)
 * @param loadCostS         load time of every replica
 * @param replicas          model → worker → requests served there
 * @param memoryFeasible    every worker's replicas fit its memory
 */
public record PlacementMetrics(double expertMakespanS, double aggregatorStageS, double loadCostS,
                               Map<String, Map<String, Long>> replicas, boolean memoryFeasible) {

    public double endToEndS() {
        return expertMakespanS + aggregatorStageS;
    }

    public static PlacementMetrics of(PlacementSolution s) {
        Map<Worker, Long> expert = new LinkedHashMap<>();
        Map<Worker, Long> aggregator = new LinkedHashMap<>();
        Map<Worker, Map<ModelLoad, Long>> onWorker = new LinkedHashMap<>();
        Map<String, Map<String, Long>> replicas = new TreeMap<>();
        for (Share sh : s.getShares()) {
            Worker w = sh.getWorker();
            if (w == null) {
                throw new IllegalStateException("share " + sh + " is not placed");
            }
            (sh.isExpert() ? expert : aggregator).merge(w, sh.workMillis(), Long::sum);
            onWorker.computeIfAbsent(w, k -> new LinkedHashMap<>()).merge(sh.getModel(), sh.getRequests(), Long::sum);
            replicas.computeIfAbsent(sh.getModel().model(), k -> new TreeMap<>()).merge(w.id(), sh.getRequests(), Long::sum);
        }
        long load = 0;
        boolean feasible = true;
        for (Map.Entry<Worker, Map<ModelLoad, Long>> e : onWorker.entrySet()) {
            long mb = 0;
            for (ModelLoad m : e.getValue().keySet()) {
                mb += m.replicaMb();
                load += m.loadMillis();
            }
            feasible &= mb <= e.getKey().memoryMb();
        }
        return new PlacementMetrics(max(expert) / 1000.0, max(aggregator) / 1000.0, load / 1000.0, replicas, feasible);
    }

    private static long max(Map<Worker, Long> work) {
        return work.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
