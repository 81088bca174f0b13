package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Worker;
import static org.optaplanner.core.api.score.stream.ConstraintCollectors.max;
import static org.optaplanner.core.api.score.stream.ConstraintCollectors.sumLong;

import org.optaplanner.core.api.score.buildin.bendablelong.BendableLongScore;
import org.optaplanner.core.api.score.stream.Constraint;
import org.optaplanner.core.api.score.stream.ConstraintFactory;
import org.optaplanner.core.api.score.stream.ConstraintProvider;
import org.optaplanner.core.api.score.stream.Joiners;

/** The placement rules, one small method per constraint (each verified alone in the tests). */
public final class PlacementConstraints implements ConstraintProvider {

    /** Hard penalty of a structural violation (a model without replica, an unsupported worker type). */
    static final long STRUCTURAL = 1_000_000L;

    static final BendableLongScore HARD = BendableLongScore.ofHard(PlacementSolution.HARD_LEVELS,
            PlacementSolution.SOFT_LEVELS, 0, 1);
    static final BendableLongScore EXPERT_MAKESPAN = soft(0);
    static final BendableLongScore AGGREGATOR_TIME = soft(1);
    static final BendableLongScore LOAD_COST = soft(2);
    static final BendableLongScore BALANCE = soft(3);

    private static BendableLongScore soft(int level) {
        return BendableLongScore.ofSoft(PlacementSolution.HARD_LEVELS, PlacementSolution.SOFT_LEVELS, level, 1);
    }

    @Override
    public Constraint[] defineConstraints(ConstraintFactory f) {
        return new Constraint[] {
            workerMemory(f), everyModelHasAReplica(f), supportedWorkerType(f),
            expertStageMakespan(f), aggregatorStageTime(f), modelLoadCost(f), expertLoadBalance(f)
        };
    }

    /** Weights + KV budgets of the distinct models on a worker fit its memory (penalty: MB over). */
    Constraint workerMemory(ConstraintFactory f) {
        return f.forEach(Share.class)
                .groupBy(Share::getWorker, Share::getModel)
                .groupBy((w, m) -> w, sumLong((w, m) -> m.replicaMb()))
                .filter((w, mb) -> mb > w.memoryMb())
                .penalizeLong(HARD, (w, mb) -> mb - w.memoryMb())
                .asConstraint("worker memory");
    }

    /** Every model of the workload has at least one replica (at least one share placed). */
    Constraint everyModelHasAReplica(ConstraintFactory f) {
        return f.forEach(ModelLoad.class)
                .ifNotExists(Share.class, Joiners.equal(m -> m, Share::getModel))
                .penalizeLong(HARD, m -> STRUCTURAL)
                .asConstraint("every model has a replica");
    }

    /** A share sits on a worker type its model's profile has figures for. */
    Constraint supportedWorkerType(ConstraintFactory f) {
        return f.forEach(Share.class)
                .filter(s -> !s.getModel().runsOn(s.getWorker()))
                .penalizeLong(HARD, s -> STRUCTURAL)
                .asConstraint("supported worker type");
    }

    /** The expert stage ends when its busiest worker does: minimise the largest expert work on a worker (ms). */
    Constraint expertStageMakespan(ConstraintFactory f) {
        return busiestWorker(f, true, EXPERT_MAKESPAN, "expert-stage makespan");
    }

    /** The aggregator stage, after the experts: the largest aggregator work on a worker (ms). */
    Constraint aggregatorStageTime(ConstraintFactory f) {
        return busiestWorker(f, false, AGGREGATOR_TIME, "aggregator-stage time");
    }

    private static Constraint busiestWorker(ConstraintFactory f, boolean expertStage, BendableLongScore level,
                                            String name) {
        return f.forEach(Share.class)
                .filter(s -> s.isExpert() == expertStage)
                .groupBy(Share::getWorker, sumLong(Share::workMillis))
                .groupBy(max((Worker w, Long ms) -> ms))
                .filter(ms -> ms != null && ms > 0)
                .penalizeLong(level, ms -> ms)
                .asConstraint(name);
    }

    /** Loading a replica costs its load time (ms): extra replicas must pay for themselves. */
    Constraint modelLoadCost(ConstraintFactory f) {
        return f.forEach(Share.class)
                .groupBy(Share::getWorker, Share::getModel)
                .penalizeLong(LOAD_COST, (w, m) -> m.loadMillis())
                .asConstraint("model-load cost");
    }

    /**
     * Tie-breaker and search guide below the stated objectives: the sum of squared expert work per worker
     * (seconds²) prefers even loads when the makespan alone does not tell two placements apart.
     */
    Constraint expertLoadBalance(ConstraintFactory f) {
        return f.forEach(Share.class)
                .filter(Share::isExpert)
                .groupBy(Share::getWorker, sumLong(Share::workMillis))
                .penalizeLong(BALANCE, (w, ms) -> (ms / 1000) * (ms / 1000))
                .asConstraint("expert load balance");
    }
}
