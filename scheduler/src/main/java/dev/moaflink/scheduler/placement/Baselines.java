package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Worker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The placements OptaPlanner is compared with (MOSAIC's baselines). Both return assigned copies. */
public final class Baselines {

    private Baselines() {}

    /**
     * Round-robin: each model once, on the workers in turn (skipping a worker its replica does not fit or whose
     * type it cannot run on; when none fits, the next in turn anyway, and the placement is infeasible).
     */
    public static PlacementSolution roundRobin(PlacementSolution problem) {
        PlacementSolution s = problem.copy();
        List<Worker> workers = s.getWorkers();
        Map<Worker, Long> free = freeMemory(workers);
        Map<ModelLoad, Worker> home = new HashMap<>();
        int next = 0;
        for (ModelLoad m : s.getModels()) {
            Worker chosen = null;
            for (int i = 0; i < workers.size() && chosen == null; i++) {
                Worker w = workers.get((next + i) % workers.size());
                if (m.runsOn(w) && free.get(w) >= m.replicaMb()) {
                    chosen = w;
                    next = (next + i + 1) % workers.size();
                }
            }
            if (chosen == null) {
                chosen = workers.get(next);
                next = (next + 1) % workers.size();
            }
            free.merge(chosen, -m.replicaMb(), Long::sum);
            home.put(m, chosen);
        }
        s.getShares().forEach(sh -> sh.setWorker(home.get(sh.getModel())));
        return s;
    }

    /**
     * Data-parallel: every worker holds every model that fits. Each model first gets its round-robin replica (so
     * every model has one), then each worker takes further replicas, models in workload order, while its memory
     * lasts; each model's shares are spread over the workers holding it in turn.
     */
    public static PlacementSolution dataParallel(PlacementSolution problem) {
        PlacementSolution s = problem.copy();
        PlacementSolution rr = roundRobin(problem);
        Map<Worker, Long> free = freeMemory(s.getWorkers());
        Map<ModelLoad, List<Worker>> holders = new LinkedHashMap<>();
        for (ModelLoad m : s.getModels()) {
            Worker home = rr.getShares().stream().filter(sh -> sh.getModel() == m).findFirst().orElseThrow().getWorker();
            free.merge(home, -m.replicaMb(), Long::sum);
            holders.put(m, new ArrayList<>(List.of(home)));
        }
        for (Worker w : s.getWorkers()) {
            for (ModelLoad m : s.getModels()) {
                List<Worker> hs = holders.get(m);
                if (!hs.contains(w) && m.runsOn(w) && free.get(w) >= m.replicaMb()) {
                    free.merge(w, -m.replicaMb(), Long::sum);
                    hs.add(w);
                }
            }
        }
        Map<ModelLoad, Integer> turn = new HashMap<>();
        for (Share sh : s.getShares()) {
            List<Worker> hs = holders.get(sh.getModel());
            int t = turn.merge(sh.getModel(), 1, Integer::sum) - 1;
            sh.setWorker(hs.get(t % hs.size()));
        }
        return s;
    }

    private static Map<Worker, Long> freeMemory(List<Worker> workers) {
        Map<Worker, Long> free = new LinkedHashMap<>();
        workers.forEach(w -> free.put(w, w.memoryMb()));
        return free;
    }
}
