package dev.moaflink.engine.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The virtual GPUs of simulated engines in virtual time that name a {@code worker}: every request a worker's
 * engines serve occupies it for its modelled cost, one after another in arrival order (an offline batch whose
 * requests are all there at t = 0). Per JVM; benchmarks read the busy time per worker and model to get stage
 * makespans, and reset it between runs.
 */
public final class VirtualWorkers {

    private static final Map<String, Worker> WORKERS = new ConcurrentHashMap<>();

    private VirtualWorkers() {}

    private static final class Worker {
        double busyMs;
        final Map<String, double[]> byModel = new TreeMap<>(); // model -> {busy ms, requests}
    }

    /**
     * Books {@code costMs} of the worker's time for one request of {@code model}.
     *
     * @return the virtual time the request waited: the worker's busy time before it
     */
    public static double charge(String worker, String model, double costMs) {
        Worker w = WORKERS.computeIfAbsent(worker, k -> new Worker());
        synchronized (w) {
            double start = w.busyMs;
            w.busyMs += costMs;
            double[] m = w.byModel.computeIfAbsent(model, k -> new double[2]);
            m[0] += costMs;
            m[1] += 1;
            return start;
        }
    }

    /** What a worker booked for one model: busy milliseconds and requests. */
    public record Booking(double busyMs, long requests) {}

    /** Worker → model → its bookings so far. */
    public static Map<String, Map<String, Booking>> bookings() {
        Map<String, Map<String, Booking>> out = new TreeMap<>();
        WORKERS.forEach((id, w) -> {
            Map<String, Booking> m = new LinkedHashMap<>();
            synchronized (w) {
                w.byModel.forEach((model, v) -> m.put(model, new Booking(v[0], (long) v[1])));
            }
            out.put(id, m);
        });
        return out;
    }

    /** Forgets every worker's bookings. */
    public static void reset() {
        WORKERS.clear();
    }
}
