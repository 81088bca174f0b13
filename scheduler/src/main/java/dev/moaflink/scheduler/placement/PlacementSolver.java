package dev.moaflink.scheduler.placement;

import java.time.Duration;
import org.optaplanner.core.api.solver.SolutionManager;
import org.optaplanner.core.api.solver.Solver;
import org.optaplanner.core.api.solver.SolverFactory;
import org.optaplanner.core.config.constructionheuristic.ConstructionHeuristicPhaseConfig;
import org.optaplanner.core.config.constructionheuristic.ConstructionHeuristicType;
import org.optaplanner.core.config.localsearch.LocalSearchPhaseConfig;
import org.optaplanner.core.config.localsearch.decider.acceptor.LocalSearchAcceptorConfig;
import org.optaplanner.core.config.localsearch.decider.forager.LocalSearchForagerConfig;
import org.optaplanner.core.config.heuristic.selector.common.SelectionCacheType;
import org.optaplanner.core.config.heuristic.selector.move.composite.UnionMoveSelectorConfig;
import org.optaplanner.core.config.heuristic.selector.move.factory.MoveListFactoryConfig;
import org.optaplanner.core.config.heuristic.selector.move.generic.ChangeMoveSelectorConfig;
import org.optaplanner.core.config.heuristic.selector.move.generic.SwapMoveSelectorConfig;
import org.optaplanner.core.config.score.director.ScoreDirectorFactoryConfig;
import org.optaplanner.core.config.solver.EnvironmentMode;
import org.optaplanner.core.config.solver.SolverConfig;
import org.optaplanner.core.config.solver.termination.TerminationConfig;

/**
 * Solves a {@link PlacementSolution} with OptaPlanner: first fit decreasing, then tabu search over change and
 * swap moves of single shares and {@link ReplicaMove}s of whole replicas. Termination: no improvement for {@code unimproved} (time or steps), or {@code limit} in all.
 * {@link Settings#deterministic} gives the same answer every run (reproducible mode, step limits only).
 */
public final class PlacementSolver {

    /**
     * Moves per step unless set: on the placement benchmark's workloads 200 reaches the same makespans about twice
     * as fast as OptaPlanner's tabu-search default of 1000 (override: -Dmoa.solver.moves-per-step=N).
     */
    static final int DEFAULT_MOVES_PER_STEP = Integer.getInteger("moa.solver.moves-per-step", 200);

    /**
     * @param unimproved   stop after this long without a better score (null: no time rule)
     * @param limit        stop after this long in all
     * @param unimprovedSteps stop after this many steps without a better score (null: no step rule)
     * @param seed         random seed of the search
     * @param reproducible reproducible environment mode (same moves in the same order)
     * @param movesPerStep moves evaluated per tabu-search step (the forager's accepted-count limit): fewer gives
     *                     more, cheaper steps
     */
    public record Settings(Duration unimproved, Duration limit, Integer unimprovedSteps, long seed,
                           boolean reproducible, int movesPerStep) {

        public Settings(Duration unimproved, Duration limit, Integer unimprovedSteps, long seed, boolean reproducible) {
            this(unimproved, limit, unimprovedSteps, seed, reproducible, DEFAULT_MOVES_PER_STEP);
        }

        /** For serving: stop after 1 s without improvement, 10 s at most. */
        public static Settings interactive() {
            return new Settings(Duration.ofSeconds(1), Duration.ofSeconds(10), null, 42, false);
        }

        /** For tests and benchmarks: step limits only, so the result does not depend on machine speed. */
        public static Settings deterministic(int unimprovedSteps) {
            return new Settings(null, Duration.ofMinutes(5), unimprovedSteps, 42, true);
        }
    }

    private final SolverFactory<PlacementSolution> factory;

    public PlacementSolver(Settings settings) {
        TerminationConfig termination = new TerminationConfig().withSpentLimit(settings.limit());
        if (settings.unimproved() != null) {
            termination.setUnimprovedSpentLimit(settings.unimproved());
        }
        LocalSearchPhaseConfig localSearch = new LocalSearchPhaseConfig()
                .withAcceptorConfig(new LocalSearchAcceptorConfig().withEntityTabuRatio(0.2))
                .withForagerConfig(new LocalSearchForagerConfig().withAcceptedCountLimit(settings.movesPerStep()))
                .withMoveSelectorConfig(new UnionMoveSelectorConfig().withMoveSelectors(
                        new ChangeMoveSelectorConfig(), new SwapMoveSelectorConfig(),
                        new MoveListFactoryConfig().withMoveListFactoryClass(ReplicaMove.Factory.class)
                                .withCacheType(SelectionCacheType.STEP)));
        if (settings.unimprovedSteps() != null) {
            localSearch.setTerminationConfig(new TerminationConfig()
                    .withUnimprovedStepCountLimit(settings.unimprovedSteps()));
        }
        SolverConfig config = new SolverConfig()
                .withSolutionClass(PlacementSolution.class)
                .withEntityClasses(Share.class)
                .withScoreDirectorFactory(new ScoreDirectorFactoryConfig()
                        .withConstraintProviderClass(PlacementConstraints.class))
                .withEnvironmentMode(settings.reproducible() ? EnvironmentMode.REPRODUCIBLE
                        : EnvironmentMode.NON_REPRODUCIBLE)
                .withRandomSeed(settings.seed())
                .withTerminationConfig(termination)
                .withPhases(new ConstructionHeuristicPhaseConfig()
                                .withConstructionHeuristicType(ConstructionHeuristicType.FIRST_FIT_DECREASING),
                        localSearch);
        this.factory = SolverFactory.create(config);
    }

    public PlacementSolution solve(PlacementSolution problem) {
        Solver<PlacementSolution> solver = factory.buildSolver();
        return solver.solve(problem);
    }

    /** Scores a given assignment (e.g. a baseline) with the same constraints. */
    public PlacementSolution score(PlacementSolution assigned) {
        SolutionManager.create(factory).update(assigned);
        return assigned;
    }
}
