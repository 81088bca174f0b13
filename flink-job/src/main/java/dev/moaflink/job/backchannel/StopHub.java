package dev.moaflink.job.backchannel;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.runtime.operators.coordination.CoordinatorStore;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;

/**
 * The JobManager's side of the cross-process stop path, one per job, shared by its operators' coordinators through
 * Flink's coordinator store: which subtask gateway reaches each agent operator subtask, by {@link AgentAddress}.
 * Coordinators call it from the JobManager's main thread only, so it needs no locking.
 */
final class StopHub {

    private static final String KEY = StopHub.class.getName();

    /** The gateway of each ready agent subtask, with the attempt it belongs to. */
    private final Map<AgentAddress, Registered> agents = new HashMap<>();

    private record Registered(int attempt, OperatorCoordinator.SubtaskGateway gateway) {}

    /** The job's hub, created by the first coordinator that asks. */
    static StopHub of(CoordinatorStore store) {
        return (StopHub) store.compute(KEY, (k, existing) -> existing != null ? existing : new StopHub());
    }

    void ready(AgentAddress agent, int attempt, OperatorCoordinator.SubtaskGateway gateway) {
        agents.put(agent, new Registered(attempt, gateway));
    }

    /** The attempt failed: stops no longer go to it (a later attempt registers anew). */
    void gone(AgentAddress agent, int attempt) {
        Registered r = agents.get(agent);
        if (r != null && r.attempt() == attempt) {
            agents.remove(agent);
        }
    }

    void reset(AgentAddress agent) {
        agents.remove(agent);
    }

    /**
     * Sends {@code stop} to each of its targets that is ready; {@code unroutable} hears of each that is not.
     *
     * @return how many targets it was sent to
     */
    int route(StopEvent stop, Consumer<AgentAddress> unroutable) {
        int sent = 0;
        for (AgentAddress target : stop.targets()) {
            Registered r = agents.get(target);
            if (r == null) {
                unroutable.accept(target);
                continue;
            }
            r.gateway().sendEvent(stop);
            sent++;
        }
        return sent;
    }
}
