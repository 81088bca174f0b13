package dev.moaflink.job.routing;

import dev.moaflink.job.backchannel.Backchannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Picks the replica of a model that serves the next call: the placement plan's weights, refined online by
 * live queue depth.
 *
 * <p>Calls are dealt out by smooth weighted round-robin over the plan's weights, so with short queues every
 * replica gets exactly its planned share (what the offline optimiser assumed). Each router subtask also
 * counts its calls in flight per replica (sent and not yet seen finished by the collector of the same
 * subtask, which shares its slot and hence its JVM; the counts live in the job's {@link Backchannel}). When the replica whose turn it is has more than
 * {@code queueSlack} calls in flight beyond its weighted share of the shortest queue, the call goes to the
 * replica with the shortest weighted queue instead: a replica that runs slower than planned (longer outputs,
 * a noisy GPU) is passed over until it catches up. MOSAIC plans offline batches only; this keeps a stream
 * balanced.
 *
 * <p>Not thread-safe for choosing (one per task); the in-flight counts are shared with the collectors.
 */
public final class ReplicaChooser {

    private final Replicas replicas;
    private final Backchannel backchannel;
    private final int subtask;
    private final Map<String, State> states = new HashMap<>();
    /** Marks models with one replica in {@link #states}, so they are looked up once. */
    private static final State SINGLE = new State(new Replicas.Model(new String[0], new double[0]), null);

    private static final class State {
        final double[] weights;
        final double[] credit;
        final AtomicIntegerArray inFlight;
        long calls;

        State(Replicas.Model m, AtomicIntegerArray inFlight) {
            this.weights = m.weights();
            this.credit = new double[m.count()];
            this.inFlight = inFlight;
        }
    }

    /** Choosers of one {@code subtask} on the same {@code backchannel} share their in-flight counts. */
    public ReplicaChooser(Replicas replicas, Backchannel backchannel, int subtask) {
        this.replicas = replicas;
        this.backchannel = backchannel;
        this.subtask = subtask;
    }

    /** Replica number (0-based) for the next call to {@code model}; 0 when it has one replica. */
    public int choose(String model) {
        State s = state(model);
        if (s == null) {
            return 0;
        }
        int n = s.weights.length;
        double total = 0;
        int pick = 0;
        for (int r = 0; r < n; r++) {
            s.credit[r] += s.weights[r];
            total += s.weights[r];
            if (s.credit[r] > s.credit[pick]) {
                pick = r;
            }
        }
        s.credit[pick] -= total;
        int shortest = 0;
        double best = Double.MAX_VALUE;
        for (int r = 0; r < n; r++) {
            if (s.weights[r] <= 0) {
                continue;
            }
            double perWeight = s.inFlight.get(r) / s.weights[r];
            if (perWeight < best) {
                best = perWeight;
                shortest = r;
            }
        }
        if (s.inFlight.get(pick) - best * s.weights[pick] > replicas.queueSlack()) {
            pick = shortest;
        }
        s.inFlight.incrementAndGet(pick);
        s.calls++;
        return pick;
    }

    /** A call to {@code replica} of {@code model} has finished (its result reached a collector). */
    public void finished(String model, int replica) {
        State s = state(model);
        if (s != null && replica >= 0 && replica < s.weights.length) {
            // After a restore the counts restart from zero while restored calls finish: never go below zero.
            s.inFlight.getAndUpdate(replica, v -> Math.max(0, v - 1));
        }
    }

    /** Calls in flight to each replica of {@code model}, as this subtask counts them. */
    public int[] inFlight(String model) {
        State s = state(model);
        if (s == null) {
            return new int[] {0};
        }
        int[] out = new int[s.weights.length];
        for (int r = 0; r < out.length; r++) {
            out[r] = s.inFlight.get(r);
        }
        return out;
    }

    private State state(String model) {
        State s = states.get(model);
        if (s == null) {
            Replicas.Model m = replicas.of(model);
            s = m == null || m.count() < 2 ? SINGLE : new State(m, backchannel.inFlight(subtask, model, m.count()));
            states.put(model, s);
        }
        return s == SINGLE ? null : s;
    }
}
