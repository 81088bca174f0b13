package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.PlacementPlan.ModelPlan;
import dev.moaflink.scheduler.plan.PlacementPlan.Replica;
import dev.moaflink.scheduler.plan.PlacementPlan;
import dev.moaflink.scheduler.plan.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a solved placement into the plan file the job reads. */
public final class PlacementPlans {

    private PlacementPlans() {}

    /** The plan of an assigned placement: replicas in worker order, weights = planned requests ÷ the model's. */
    public static PlacementPlan of(PlacementSolution s, Map<String, Object> figures) {
        Map<String, ModelPlan> models = new LinkedHashMap<>();
        for (ModelLoad m : s.getModels()) {
            Map<String, Long> perWorker = new LinkedHashMap<>();
            for (Worker w : s.getWorkers()) {
                for (Share sh : s.getShares()) {
                    if (sh.getModel() == m && w.equals(sh.getWorker())) {
                        perWorker.merge(w.id(), sh.getRequests(), Long::sum);
                    }
                }
            }
            long total = perWorker.values().stream().mapToLong(Long::longValue).sum();
            List<Replica> replicas = new ArrayList<>();
            perWorker.forEach((w, r) -> replicas.add(new Replica(w, r,
                    total == 0 ? 1.0 / perWorker.size() : (double) r / total)));
            models.put(m.model(), new ModelPlan(m.stage(), replicas));
        }
        return new PlacementPlan(s.getWorkers(), models, figures);
    }
}
