package dev.moaflink.engine.sim;

import java.util.Arrays;
import java.util.List;

/**
 * The keys a {@code sim} {@link dev.moaflink.engine.EngineSpec} accepts in its options, with their defaults.
 * {@link SimProfile#parse} turns them into a typed profile.
 */
public enum SimOption {
    PREFILL_TPS("prefill_tps", "2000", "prompt tokens prefilled per second; 'inf' = free"),
    DECODE_TPS("decode_tps", "50", "output tokens per second of one session; 'inf' = free"),
    OVERHEAD_MS("overhead_ms", "20", "fixed cost per request, charged to prefill at open"),
    OUTPUT_MEAN_TOKENS("output_mean_tokens", "120", "mean output length (lognormal)"),
    OUTPUT_P95_TOKENS("output_p95_tokens", "300", "95th percentile of output length (lognormal)"),
    ACCURACY("accuracy", "0.6", "probability that an answer is correct, in [0, 1]"),
    ERROR_CORRELATION("error_correlation", "0.3", "correlation of errors across models on a query, in [0, 1)"),
    SYNTHESIS("synthesis", "0.9", "probability an aggregator answers with the plurality of its candidates"),
    CONFIDENCE_CORRECT("confidence_correct", "0.85", "target exp(mean token log-prob) of correct outputs"),
    CONFIDENCE_WRONG("confidence_wrong", "0.45", "target exp(mean token log-prob) of wrong outputs"),
    TIME("time", "real", "'real' (tokens arrive on the wall clock) or 'virtual' (nothing sleeps)"),
    SEED("seed", "42", "seeds every draw; models meant to make correlated errors share it"),
    CONCURRENCY("concurrency", "0", "sessions decoding at once in real time, others queue; 0 = unlimited"),
    WORKER("worker", "", "virtual time: engines naming the same worker share its virtual GPU, each request "
            + "occupying it for its modelled cost in arrival order (decode_tps read as the worker's batched "
            + "throughput); '' = no sharing, every request starts at t = 0"),
    SHARED_GPU("shared_gpu", "false", "the sessions on this model share one GPU: prefills run one at a time and "
            + "decode steps slow with the context of every session decoding (kv_weight_tokens); in virtual time the "
            + "sessions of one query, in real time all sessions; false = every session has a GPU of its own"),
    PREFIX_CACHE("prefix_cache", "true", "real time with shared_gpu: a prompt start another session of the same "
            + "query prefilled costs no prefill again (prefix caching)"),
    KV_WEIGHT_TOKENS("kv_weight_tokens", "inf", "context tokens whose KV cache is as large as the weights; a decode "
            + "step takes (1 + context tokens decoding at once / this) times as long; 'inf' = context costs nothing"),
    SCHEDULING("scheduling", "query", "real time: which session waiting for a decode slot gets it: 'query' (the "
            + "earliest-arrived query first) or 'fifo' (the session that asked first)");

    private final String key;
    private final String defaultValue;
    private final String description;

    SimOption(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** @throws IllegalArgumentException naming the key and listing the valid ones */
    public static SimOption of(String key) {
        for (SimOption o : values()) {
            if (o.key.equals(key)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown sim engine option '" + key + "'; valid options: " + keys());
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(SimOption::key).sorted().toList();
    }
}
