package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import org.optaplanner.core.api.domain.entity.PlanningEntity;
import org.optaplanner.core.api.domain.lookup.PlanningId;
import org.optaplanner.core.api.domain.variable.PlanningVariable;

/**
 * A slice of one model's requests, to be served by one worker (the planning entity). A model has a replica on
 * every worker that serves at least one of its shares; how many requests each replica serves is the sum of its
 * shares there. The solver moves shares between workers.
 */
@PlanningEntity(difficultyComparatorClass = ShareDifficulty.class)
public class Share {

    @PlanningId
    private Long id;
    private ModelLoad model;
    private long requests;
    @PlanningVariable(valueRangeProviderRefs = "workers")
    private Worker worker;

    public Share() {}

    public Share(long id, ModelLoad model, long requests) {
        this(id, model, requests, null);
    }

    public Share(long id, ModelLoad model, long requests, Worker worker) {
        this.id = id;
        this.model = model;
        this.requests = requests;
        this.worker = worker;
    }

    public Long getId() {
        return id;
    }

    public ModelLoad getModel() {
        return model;
    }

    public long getRequests() {
        return requests;
    }

    public Worker getWorker() {
        return worker;
    }

    public void setWorker(Worker worker) {
        this.worker = worker;
    }

    public boolean isExpert() {
        return model.stage() == Stage.EXPERT;
    }

    /** Worker busy time of this share on its worker, in milliseconds (0 while unassigned). */
    public long workMillis() {
        if (worker == null || !model.runsOn(worker)) {
            return 0;
        }
        return Math.round(requests * model.secondsPerRequest(worker) * 1000);
    }

    @Override
    public String toString() {
        return model.model() + "#" + id + "(" + requests + ")@" + (worker == null ? "-" : worker.id());
    }
}
