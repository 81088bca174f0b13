package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds an unsolved {@link PlacementSolution}: each model's requests are cut into shares (at most
 * {@code sharesPerModel}, as equal as possible; a model with no requests still gets one empty share, so it has a
 * replica). Finer shares let the solver split a heavy model's requests more exactly over its replicas.
 */
public final class PlacementProblem {

    private PlacementProblem() {}

    public static PlacementSolution of(List<Worker> workers, List<ModelLoad> models, int sharesPerModel) {
        if (workers.isEmpty()) {
            throw new IllegalArgumentException("placement needs at least one worker");
        }
        if (models.isEmpty()) {
            throw new IllegalArgumentException("placement needs at least one model");
        }
        if (sharesPerModel < 1) {
            throw new IllegalArgumentException("shares per model must be >= 1");
        }
        Set<String> ids = new HashSet<>();
        for (Worker w : workers) {
            if (!ids.add(w.id())) {
                throw new IllegalArgumentException("duplicate worker id " + w.id());
            }
        }
        Set<String> names = new HashSet<>();
        List<Share> shares = new ArrayList<>();
        long id = 0;
        for (ModelLoad m : models) {
            if (!names.add(m.model())) {
                throw new IllegalArgumentException("model " + m.model() + " appears twice in the workload");
            }
            if (workers.stream().noneMatch(m::runsOn)) {
                throw new IllegalArgumentException("model " + m.model() + ": its profile has no figures for any worker "
                        + "type of the cluster (profile: " + m.profile().workers().keySet() + ")");
            }
            long n = Math.max(1, Math.min(sharesPerModel, m.requests()));
            for (long i = 0; i < n; i++) {
                long r = m.requests() / n + (i < m.requests() % n ? 1 : 0);
                shares.add(new Share(id++, m, r));
            }
        }
        return new PlacementSolution(List.copyOf(workers), List.copyOf(models), shares);
    }

    /**
     * Lower bound on the expert-stage makespan: every request takes at least its fastest worker time and the
     * workers run in parallel; and no stage ends before its slowest single request alone.
     */
    public static double expertLowerBoundSeconds(PlacementSolution s) {
        double total = 0;
        double longest = 0;
        for (ModelLoad m : s.getModels()) {
            if (m.stage() != Stage.EXPERT || m.requests() == 0) {
                continue;
            }
            total += m.requests() * m.fastestSecondsPerRequest(s.getWorkers());
            double alone = Double.POSITIVE_INFINITY;
            for (Worker w : s.getWorkers()) {
                if (m.runsOn(w)) {
                    alone = Math.min(alone, m.profile().aloneSeconds(w.type(), m.promptTokens()));
                }
            }
            longest = Math.max(longest, alone);
        }
        return Math.max(total / s.getWorkers().size(), longest);
    }
}
