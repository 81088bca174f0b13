package dev.moaflink.scheduler.profile;

import java.util.Map;
import java.util.Objects;

/**
 * What serving one model costs, per worker type: the input of placement. The file format is documented in
 * {@code scheduler/README.md} ({@code moa-cost-profile/1}); {@link CostProfiles} reads and writes it.
 *
 * @param model           model name (as in the job's {@code models:} section)
 * @param reference       true for bundled reference data (derived from published figures, cited), false when
 *                        measured by the profiler
 * @param description     what the profile stands for (model, precision, engine)
 * @param weightMb        weight memory of one replica
 * @param kvBytesPerToken KV cache bytes per token of context
 * @param kvBudgetMb      KV cache reserved per replica (placement counts weights + this budget)
 * @param loadSeconds     time to load one replica onto a worker
 * @param overheadMs      per-request overhead (scheduling, tokenisation, network), not overlapped
 * @param output          output length distribution in tokens
 * @param workers         throughput per worker type
 * @param citations       per field, where its value comes from
 */
public record CostProfile(String model, boolean reference, String description, double weightMb, long kvBytesPerToken,
                          double kvBudgetMb, double loadSeconds, double overheadMs, OutputLength output,
                          Map<String, Throughput> workers, Map<String, String> citations) {

    public CostProfile {
        Objects.requireNonNull(model, "model");
        workers = Map.copyOf(workers);
        citations = citations == null ? Map.of() : Map.copyOf(citations);
    }

    /** Output length in tokens: mean and 95th percentile (a histogram is optional in the file). */
    public record OutputLength(double mean, double p95) {}

    /**
     * Throughput of the model on one worker type.
     *
     * @param prefillTps  prompt tokens per second the worker prefills for this model (all requests together)
     * @param decodeTps   output tokens per second the worker decodes for this model with continuous batching
     *                    (all concurrent requests together)
     * @param decodeTpsB1 output tokens per second of one request decoding alone (its latency)
     */
    public record Throughput(double prefillTps, double decodeTps, double decodeTpsB1) {}

    /** Memory one replica takes on a worker: weights plus its KV budget. */
    public double replicaMb() {
        return weightMb + kvBudgetMb;
    }

    public boolean runsOn(String workerType) {
        return workers.containsKey(workerType);
    }

    /**
     * Worker time one request takes out of a worker's capacity (batched throughput): overhead, prefill and decode
     * at the worker's aggregate rates. Requests served together share the worker, so a worker's busy time is the
     * sum of this over the requests it serves.
     */
    public double workerSecondsPerRequest(String workerType, double promptTokens) {
        Throughput t = throughput(workerType);
        return overheadMs / 1000.0 + promptTokens / t.prefillTps() + output.mean() / t.decodeTps();
    }

    /** Latency of one request served alone (the longest a single job can take is at least this). */
    public double aloneSeconds(String workerType, double promptTokens) {
        Throughput t = throughput(workerType);
        return overheadMs / 1000.0 + promptTokens / t.prefillTps() + output.mean() / t.decodeTpsB1();
    }

    public Throughput throughput(String workerType) {
        Throughput t = workers.get(workerType);
        if (t == null) {
            throw new IllegalArgumentException("profile of '" + model + "' has no figures for worker type '" + workerType
                    + "' (it has " + workers.keySet() + ")");
        }
        return t;
    }
}
