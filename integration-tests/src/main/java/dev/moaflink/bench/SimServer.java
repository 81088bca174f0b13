package dev.moaflink.bench;

import java.util.Map;

/**
 * The simulated engine as the {@code load} benchmark serves it: the sim preset's GPU-class profiles (4B / 8B / 32B
 * instruct models) in real time, each model on one simulated GPU shared by every session (one prefill lane, decode
 * steps slowed by the context in flight, prompt prefixes cached per query) with {@value #SLOTS} decode slots, and
 * time compressed {@value #SPEEDUP}× (every rate times it, every overhead divided by it) so that this 2-core JVM can
 * drive the servers past saturation within the benchmark's minutes: latencies read {@value #SPEEDUP}× shorter than
 * on the GPUs, rates {@value #SPEEDUP}× higher, ratios between variants unchanged. The preset's prefill rates are one
 * session's time to first token; a lane that serves every session prefills at the GPU's batched rate instead.
 */
final class SimServer {

    /** Sessions decoding at once per model (a continuous-batching server's batch). */
    static final int SLOTS = 32;
    /** Context tokens whose KV cache weighs as much as an 8B model's weights (16 GB at 128 KB a token). */
    static final int KV_WEIGHT_TOKENS = 125_000;
    /** How much faster than the GPUs the simulated servers run. */
    static final int SPEEDUP = 10;

    /** Per model, as on one H100: batched prefill tokens/s, one session's decode tokens/s, request overhead ms. */
    private record Gpu(int prefillTps, int decodeTps, int overheadMs) {}

    private static final Map<String, Gpu> MODELS = Map.of(
            "expert-small", new Gpu(40_000, 90, 15), "expert-medium", new Gpu(25_000, 60, 20),
            "expert-large", new Gpu(10_000, 35, 30), "aggregator", new Gpu(25_000, 60, 20));

    private SimServer() {}

    static JobArgs args() {
        JobArgs a = new JobArgs().simOption("time", "real").simOption("shared_gpu", "true")
                .simOption("concurrency", SLOTS).simOption("kv_weight_tokens", KV_WEIGHT_TOKENS);
        MODELS.forEach((model, gpu) -> {
            String o = "models." + model + ".options.";
            a.set(o + "prefill_tps", gpu.prefillTps() * SPEEDUP).set(o + "decode_tps", gpu.decodeTps() * SPEEDUP)
                    .set(o + "overhead_ms", (double) gpu.overheadMs() / SPEEDUP);
        });
        return a;
    }
}
