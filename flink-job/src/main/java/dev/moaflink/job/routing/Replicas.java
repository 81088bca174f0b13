package dev.moaflink.job.routing;

import dev.moaflink.scheduler.plan.PlacementPlan;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replicas of each placed model, as the job runs them: one agent operator per replica, in the slot-sharing
 * group of the worker the placement plan puts it on, fed by the router in proportion to its weight. Models the
 * plan does not name have one replica in the default group.
 *
 * @param models        model → its replicas
 * @param gpusPerWorker GPUs each worker's slot-sharing group requests (Flink external resource {@code gpu})
 * @param queueSlack    see {@link ReplicaChooser}
 */
public record Replicas(Map<String, Model> models, int gpusPerWorker, int queueSlack) implements Serializable {

    /** One model's replicas: worker ids and routing weights (summing to 1), index = replica number. */
    public record Model(String[] workers, double[] weights) implements Serializable {

        public int count() {
            return workers.length;
        }
    }

    public Replicas {
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
    }

    public static Replicas none() {
        return new Replicas(Map.of(), 0, 0);
    }

    public static Replicas of(PlacementPlan plan, int gpusPerWorker, int queueSlack) {
        Map<String, Model> models = new LinkedHashMap<>();
        plan.models().forEach((name, mp) -> {
            List<PlacementPlan.Replica> rs = mp.replicas();
            models.put(name, new Model(rs.stream().map(PlacementPlan.Replica::worker).toArray(String[]::new),
                    rs.stream().mapToDouble(PlacementPlan.Replica::weight).toArray()));
        });
        return new Replicas(models, gpusPerWorker, queueSlack);
    }

    public boolean placed() {
        return !models.isEmpty();
    }

    /** The model's replicas, or null when the plan does not place it. */
    public Model of(String model) {
        return models.get(model);
    }

    /** True when some model has more than one replica, so the router has choices to make. */
    public boolean anyReplicated() {
        return models.values().stream().anyMatch(m -> m.count() > 1);
    }

    /** Slot-sharing group of a worker, as named in the plan file. */
    public static String slotSharingGroup(String worker) {
        return PlacementPlan.slotSharingGroup(worker);
    }
}
