package dev.moaflink.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Command-line style overrides of the job configuration used by tests and benchmarks. They start from
 * {@code --preset sim} (the simulated engine under the default model names); {@link #bundledModels()} starts
 * from the real defaults (the bundled tiny models on the DJL engine). Both set Flink's parallelism (1) and buffer
 * timeout (5 ms) explicitly, so that a job runs alike on any MiniCluster whatever its default parallelism.
 */
public final class JobArgs {

    /** The models of the bundled default configuration. */
    public static final List<String> DEFAULT_MODELS = List.of("expert-small", "expert-medium", "expert-large",
            "aggregator");

    private final List<String> args = new ArrayList<>();

    public JobArgs() {
        this(true);
    }

    private JobArgs(boolean sim) {
        if (sim) {
            set("preset", "sim");
        }
        set("parallelism", 1);
        set("buffer_timeout_ms", 5);
    }

    /** No preset: the default configuration's models (the bundled tiny models, DJL engine). */
    public static JobArgs bundledModels() {
        return new JobArgs(false);
    }

    public static JobArgs kafka(String bootstrap, String queries, String answers, String deadLetters) {
        JobArgs a = new JobArgs();
        return a.set("kafka.bootstrap_servers", bootstrap)
                .set("kafka.queries_topic", queries)
                .set("kafka.answers_topic", answers)
                .set("kafka.dead_letter_topic", deadLetters)
                .set("kafka.starting_offsets", "earliest")
                .set("kafka.group_id", "moa-" + UUID.randomUUID())
                .set("kafka.transactional_id_prefix", "moa-" + UUID.randomUUID());
    }

    public JobArgs set(String key, Object value) {
        args.add("--" + key);
        args.add(String.valueOf(value));
        return this;
    }

    /** Sets each {key, value} pair, in order. */
    public JobArgs setAll(List<String[]> pairs) {
        pairs.forEach(kv -> set(kv[0], kv[1]));
        return this;
    }

    /** Sets one simulated-engine option on every default model. */
    public JobArgs simOption(String key, Object value) {
        for (String m : DEFAULT_MODELS) {
            set("models." + m + ".options." + key, value);
        }
        return this;
    }

    /** Virtual time: nothing sleeps; latencies are modelled (fast tests). */
    public JobArgs virtualTime() {
        return simOption("time", "virtual");
    }

    /** A zero-cost engine: no prefill, decode or overhead time, short outputs. */
    public JobArgs zeroCost(int outputTokens) {
        return virtualTime().simOption("prefill_tps", "inf").simOption("decode_tps", "inf")
                .simOption("overhead_ms", 0).simOption("output_mean_tokens", outputTokens)
                .simOption("output_p95_tokens", outputTokens * 2);
    }

    public String[] toArray() {
        return args.toArray(String[]::new);
    }
}
