package dev.moaflink.scheduler.placement;

import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import dev.moaflink.scheduler.profile.CostProfile;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One model of the workload (a problem fact): its cost profile, the stage it serves and the requests routed to
 * it. Worker time per request is precomputed per worker type from the profile.
 */
public final class ModelLoad {

    private final String model;
    private final Stage stage;
    private final CostProfile profile;
    private final long requests;
    private final double promptTokens;
    private final Map<String, Double> secondsPerRequest = new TreeMap<>();
    private final long replicaMb;
    private final long loadMillis;

    public ModelLoad(String model, Stage stage, CostProfile profile, long requests, double promptTokens) {
        this.model = Objects.requireNonNull(model);
        this.stage = Objects.requireNonNull(stage);
        this.profile = Objects.requireNonNull(profile);
        if (requests < 0) {
            throw new IllegalArgumentException("model " + model + ": requests must be >= 0");
        }
        this.requests = requests;
        this.promptTokens = promptTokens;
        for (String type : profile.workers().keySet()) {
            secondsPerRequest.put(type, profile.workerSecondsPerRequest(type, promptTokens));
        }
        this.replicaMb = (long) Math.ceil(profile.replicaMb());
        this.loadMillis = Math.round(profile.loadSeconds() * 1000);
    }

    public String model() {
        return model;
    }

    public Stage stage() {
        return stage;
    }

    public CostProfile profile() {
        return profile;
    }

    public long requests() {
        return requests;
    }

    public double promptTokens() {
        return promptTokens;
    }

    public long replicaMb() {
        return replicaMb;
    }

    public long loadMillis() {
        return loadMillis;
    }

    public boolean runsOn(Worker w) {
        return secondsPerRequest.containsKey(w.type());
    }

    /** Worker busy time per request on a worker of this type (batched throughput). */
    public double secondsPerRequest(Worker w) {
        Double s = secondsPerRequest.get(w.type());
        if (s == null) {
            throw new IllegalArgumentException("model " + model + " has no cost figures for worker type " + w.type());
        }
        return s;
    }

    /** The fastest per-request worker time over the worker types its profile knows. */
    public double fastestSecondsPerRequest(Iterable<Worker> workers) {
        double best = Double.POSITIVE_INFINITY;
        for (Worker w : workers) {
            if (runsOn(w)) {
                best = Math.min(best, secondsPerRequest(w));
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return model + "(" + stage + ", " + requests + " requests)";
    }
}
