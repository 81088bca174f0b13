package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Worker;
import java.util.List;
import org.optaplanner.core.api.domain.solution.PlanningEntityCollectionProperty;
import org.optaplanner.core.api.domain.solution.PlanningScore;
import org.optaplanner.core.api.domain.solution.PlanningSolution;
import org.optaplanner.core.api.domain.solution.ProblemFactCollectionProperty;
import org.optaplanner.core.api.domain.valuerange.ValueRangeProvider;
import org.optaplanner.core.api.score.buildin.bendablelong.BendableLongScore;

/**
 * The placement problem: workers, the workload's models, and the shares of their requests to place. Score:
 * one hard level (memory, a replica for every model, supported worker types) and, in order, the soft levels
 * expert-stage makespan, aggregator-stage time, model-load cost, and load balance (a guide for the search; it
 * only breaks ties).
 */
@PlanningSolution
public class PlacementSolution {

    public static final int HARD_LEVELS = 1;
    public static final int SOFT_LEVELS = 4;

    @ProblemFactCollectionProperty
    @ValueRangeProvider(id = "workers")
    private List<Worker> workers;
    @ProblemFactCollectionProperty
    private List<ModelLoad> models;
    @PlanningEntityCollectionProperty
    private List<Share> shares;
    @PlanningScore(bendableHardLevelsSize = HARD_LEVELS, bendableSoftLevelsSize = SOFT_LEVELS)
    private BendableLongScore score;

    public PlacementSolution() {}

    public PlacementSolution(List<Worker> workers, List<ModelLoad> models, List<Share> shares) {
        this.workers = workers;
        this.models = models;
        this.shares = shares;
    }

    public List<Worker> getWorkers() {
        return workers;
    }

    public List<ModelLoad> getModels() {
        return models;
    }

    public List<Share> getShares() {
        return shares;
    }

    public BendableLongScore getScore() {
        return score;
    }

    public void setScore(BendableLongScore score) {
        this.score = score;
    }

    /** A copy with the same facts and share assignments (shares are copied, workers and models shared). */
    public PlacementSolution copy() {
        List<Share> s = shares.stream().map(x -> new Share(x.getId(), x.getModel(), x.getRequests(), x.getWorker())).toList();
        return new PlacementSolution(workers, models, new java.util.ArrayList<>(s));
    }
}
