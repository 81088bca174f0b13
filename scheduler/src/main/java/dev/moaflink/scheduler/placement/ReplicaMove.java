package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Worker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.optaplanner.core.api.score.director.ScoreDirector;
import org.optaplanner.core.impl.heuristic.move.AbstractMove;
import org.optaplanner.core.impl.heuristic.selector.move.factory.MoveListFactory;

/**
 * Moves a whole replica: every share of one model on worker {@code from} goes to worker {@code to}. Single share
 * moves cannot take a model off a worker in one step (its memory is freed only when its last share leaves), so
 * without this move the search stalls on memory-infeasible plateaus.
 */
public final class ReplicaMove extends AbstractMove<PlacementSolution> {

    private final List<Share> shares;
    private final Worker from;
    private final Worker to;

    public ReplicaMove(List<Share> shares, Worker from, Worker to) {
        this.shares = List.copyOf(shares);
        this.from = from;
        this.to = to;
    }

    @Override
    public boolean isMoveDoable(ScoreDirector<PlacementSolution> scoreDirector) {
        return !shares.isEmpty() && !from.equals(to) && shares.stream().allMatch(s -> from.equals(s.getWorker()));
    }

    @Override
    protected ReplicaMove createUndoMove(ScoreDirector<PlacementSolution> scoreDirector) {
        return new ReplicaMove(shares, to, from);
    }

    @Override
    protected void doMoveOnGenuineVariables(ScoreDirector<PlacementSolution> scoreDirector) {
        for (Share s : shares) {
            scoreDirector.beforeVariableChanged(s, "worker");
            s.setWorker(to);
            scoreDirector.afterVariableChanged(s, "worker");
        }
    }

    @Override
    public Collection<?> getPlanningEntities() {
        return shares;
    }

    @Override
    public Collection<?> getPlanningValues() {
        return List.of(to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReplicaMove m && m.shares.equals(shares) && m.from.equals(from) && m.to.equals(to);
    }

    @Override
    public int hashCode() {
        return Objects.hash(shares, from, to);
    }

    @Override
    public String toString() {
        return shares.get(0).getModel().model() + " replica " + from.id() + " -> " + to.id();
    }

    /** Every replica (a model's shares on one worker) to every other worker; rebuilt each step. */
    public static final class Factory implements MoveListFactory<PlacementSolution> {

        @Override
        public List<ReplicaMove> createMoveList(PlacementSolution solution) {
            Map<ModelLoad, Map<Worker, List<Share>>> replicas = new LinkedHashMap<>();
            for (Share s : solution.getShares()) {
                if (s.getWorker() != null) {
                    replicas.computeIfAbsent(s.getModel(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(s.getWorker(), k -> new ArrayList<>()).add(s);
                }
            }
            List<ReplicaMove> moves = new ArrayList<>();
            replicas.values().forEach(byWorker -> byWorker.forEach((from, shares) -> {
                for (Worker to : solution.getWorkers()) {
                    if (!to.equals(from)) {
                        moves.add(new ReplicaMove(shares, from, to));
                    }
                }
            }));
            return moves;
        }
    }
}
