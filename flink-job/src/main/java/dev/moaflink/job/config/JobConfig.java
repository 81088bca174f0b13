package dev.moaflink.job.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.moaflink.job.topology.TopologySpec;
import java.io.Serializable;
import java.util.Locale;
import java.util.Map;

/**
 * The whole job configuration, bound from YAML (bundled defaults, then a user file, then command-line
 * overrides) and checked once by {@link ConfigValidator}. Keys are snake_case in files and flags.
 *
 * @param mode             streaming (unbounded Kafka) or batch (dataset files in, an output directory out)
 * @param models           model name → engine settings
 * @param topologies       topology name → layout; every one is compiled into the graph
 * @param defaultTopology  used by queries that name none
 * @param routing          skill-based routing and the placement plan
 * @param mechanisms       the Faster-MoA / MOSAIC mechanisms, each switchable per job
 * <p>The last five are Flink's own settings: null (the default) leaves them to Flink's configuration and the
 * {@code flink run} options; a value given here wins over those (see {@code FlinkSettings}).
 *
 * @param parallelism      default operator parallelism
 * @param checkpointIntervalMs streaming only; exactly-once answers become visible at checkpoint completion (0: off)
 * @param checkpointTimeoutMs  a checkpoint not complete by then is abandoned and counts as failed
 * @param checkpointTolerableFailures consecutive failed (or timed-out) checkpoints the job rides out; one more
 *                             fails the job, which then restarts from the last completed checkpoint
 * @param bufferTimeoutMs  longest a record waits in a network buffer before it is sent (Flink's default of
 *                         100 ms would add up to that much latency at each remaining network edge)
 */
public record JobConfig(
        Mode mode,
        String jobName,
        KafkaSettings kafka,
        BatchSettings batch,
        Map<String, ModelSettings> models,
        Map<String, TopologySpec> topologies,
        String defaultTopology,
        AgentSettings agent,
        Limits limits,
        Routing routing,
        Mechanisms mechanisms,
        Integer parallelism,
        Long checkpointIntervalMs,
        Long checkpointTimeoutMs,
        Integer checkpointTolerableFailures,
        Long bufferTimeoutMs) implements Serializable {

    public enum Mode { STREAMING, BATCH }

    /**
     * @param delivery               exactly_once (transactional, visible at checkpoints) or at_least_once
     * @param transactionalIdPrefix  required for exactly_once; unique per job on a cluster
     * @param transactionTimeoutMs   must stay below the broker's transaction.max.timeout.ms
     * @param startingOffsets        earliest, latest or committed (falls back to earliest)
     * @param bounded                stop at the offsets that were latest at start (batch over a topic)
     * @param properties             extra Kafka client properties (e.g. security settings)
     * @param propertiesFile         a Kafka client .properties file (credentials belong here or in MOA_KAFKA_*
     *                               environment variables, see {@link KafkaClientProperties}); null: none
     * @param format                 how record values are written on all three topics (default avro)
     * @param queriesFormat          the queries topic's format when it differs from {@code format}; null: format
     * @param answersFormat          the answers topic's, likewise
     * @param deadLetterFormat       the dead-letter topic's, likewise
     */
    public record KafkaSettings(
            String bootstrapServers,
            String queriesTopic,
            String answersTopic,
            String deadLetterTopic,
            String groupId,
            Delivery delivery,
            String transactionalIdPrefix,
            long transactionTimeoutMs,
            StartingOffsets startingOffsets,
            boolean bounded,
            Map<String, String> properties,
            String propertiesFile,
            TopicFormat format,
            TopicFormat queriesFormat,
            TopicFormat answersFormat,
            TopicFormat deadLetterFormat) implements Serializable {

        /** The format of the queries topic. */
        public TopicFormat queries() {
            return queriesFormat != null ? queriesFormat : format;
        }

        /** The format of the answers topic. */
        public TopicFormat answers() {
            return answersFormat != null ? answersFormat : format;
        }

        /** The format of the dead-letter topic. */
        public TopicFormat deadLetters() {
            return deadLetterFormat != null ? deadLetterFormat : format;
        }
    }

    /**
     * How a topic's record values are encoded: {@code avro} (Avro single-object encoding, the schema's fingerprint
     * in each record), {@code json} (one JSON object per record, the fields of batch mode's JSON lines) or
     * {@code registry-avro} (a schema registry's framing: byte 00, the 4-byte schema id, binary Avro).
     */
    public enum TopicFormat {
        AVRO, JSON, REGISTRY_AVRO;

        @JsonCreator
        public static TopicFormat parse(String name) {
            String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
            return switch (n) {
                case "avro" -> AVRO;
                case "json" -> JSON;
                case "registry-avro", "registry_avro" -> REGISTRY_AVRO;
                default -> throw new IllegalArgumentException("unknown topic format '" + name
                        + "'; expected avro, json or registry-avro");
            };
        }

        @JsonValue
        public String configName() {
            return this == REGISTRY_AVRO ? "registry-avro" : name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Delivery { EXACTLY_ONCE, AT_LEAST_ONCE }

    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED }

    /**
     * @param input   JSON-lines queries (fields of the Avro Query: id, text, choices, task_type, gold)
     * @param output  JSON-lines answers, written by the job
     * @param report  accuracy summary (JSON); a Markdown twin is written next to it
     */
    /**
     * @param input  JSON-lines queries: a file, a directory or a glob, on any Flink file system
     * @param output the run's directory: answers/, dead-letters/, summary.json and summary.md
     */
    public record BatchSettings(String input, String output) implements Serializable {}

    /** @param backend engine factory name (sim, djl, openai); @param options backend settings */
    public record ModelSettings(String backend, Map<String, String> options) implements Serializable {}

    /**
     * @param capacity    agent calls in flight per model and operator subtask (a fused operator serving three
     *                    models admits three times as many); beyond it the operator stops reading input, so
     *                    backpressure reaches the source. Size it by Little's law: arrival rate × calls per
     *                    query for the model × call duration
     * @param timeoutMs   an agent call still running after this becomes a FAILED node (degraded answer)
     * @param chunkTokens tokens per streamed output chunk; 0 sends only the final result
     * @param maxTokens   generation limit per agent call
     * @param layout      fused: one agent operator per level serves all its models and the whole per-query
     *                    path chains into one task (no serialization between stages); per_model: one agent
     *                    operator per (level, model), which placement plans can put on separate workers
     * @param retries     attempts after the first for a call that failed transiently (engine error, exception,
     *                    timeout) before it streamed anything; refusals (a request the engine can never serve)
     *                    are not retried
     * @param retryBackoffMs wait before the first retry, doubled for each further one
     */
    public record AgentSettings(
            int capacity,
            long timeoutMs,
            int chunkTokens,
            int maxTokens,
            double temperature,
            double topP,
            long seed,
            Layout layout,
            int retries,
            long retryBackoffMs) implements Serializable {

        /** Without retries. */
        public AgentSettings(int capacity, long timeoutMs, int chunkTokens, int maxTokens, double temperature,
                             double topP, long seed, Layout layout) {
            this(capacity, timeoutMs, chunkTokens, maxTokens, temperature, topP, seed, layout, 0, 0);
        }
    }

    public enum Layout { FUSED, PER_MODEL }

    /**
     * Which agents answer a query, and where they run.
     *
     * @param placement     placement plan file ({@code moa-placement-plan/1}, written by the scheduler); null: one
     *                      replica per model, operators at the job's parallelism. A plan implies the per_model layout
     * @param gpusPerWorker GPUs each worker's slot-sharing group requests as the Flink external resource {@code gpu}
     *                      (the cluster must declare it and enable fine-grained resource management); 0: none
     * @param queueSlack    calls a replica may have in flight beyond its planned share before the router passes it
     *                      over for the replica with the shortest weighted queue
     * @param k             experts per query for skill rules that list experts
     * @param aggregator    model that aggregates the k experts of such rules
     * @param skills        rules tried in order for queries that name no topology; none matching: default_topology
     */
    public record Routing(String placement, int gpusPerWorker, int queueSlack, int k, String aggregator,
                          java.util.List<SkillRule> skills) implements Serializable {

        public java.util.List<SkillRule> skillRules() {
            return skills == null ? java.util.List.of() : skills;
        }
    }

    /**
     * One skill-routing rule: a query matches when its task type (if given) is {@code taskType} and its text
     * contains a match of the regular expression {@code textMatches} (if given). It is answered by
     * {@code topology}, or by the first k of {@code experts} (ranked, best first) and the routing aggregator.
     */
    public record SkillRule(String skill, String taskType, String textMatches, String topology, java.util.List<String> experts)
            implements Serializable {}

    /**
     * @param bypassThreshold MOSAIC confidence-aware aggregation: an aggregator is skipped when the largest group
     *                        of its inputs agreeing on the extracted answer is at least this share of its inputs
     *                        (1 = unanimous, 0.67 = two of three); 0 = never
     * @param overlap         Faster-MoA dependency-aware prefill/decode overlap: an aggregator's session opens when
     *                        its first input starts streaming, its prompt prefix is prefilled at once and each
     *                        input's chunks are appended (in slot order) while the inputs still decode
     * @param earlyExit       Faster-MoA adaptive early termination of sibling agents
     * @param bypassEarly     with a bypass threshold: once the finished inputs that agree reach the threshold, the
     *                        inputs still running (and their own unshared inputs) are cancelled, since they can no
     *                        longer change the bypass or its answer (at T = 2/3 and three inputs, two agreeing
     *                        settle it). The bypassed answer is the same as when waiting for every input
     */
    public record Mechanisms(double bypassThreshold, boolean overlap, EarlyExit earlyExit, boolean bypassEarly,
                             StopPath stopPath) implements Serializable {

        public Mechanisms(double bypassThreshold, boolean overlap, EarlyExit earlyExit, boolean bypassEarly) {
            this(bypassThreshold, overlap, earlyExit, bypassEarly, StopPath.AUTO);
        }

        public Mechanisms(double bypassThreshold, boolean overlap, EarlyExit earlyExit) {
            this(bypassThreshold, overlap, earlyExit, true);
        }

        public Mechanisms(double bypassThreshold) {
            this(bypassThreshold, false, EarlyExit.OFF);
        }

        public boolean earlyExitOn() {
            return earlyExit != null && earlyExit.enabled();
        }
    }

    /**
     * Faster-MoA's MetricQ. Each time a sibling finishes (and at least {@code minFinished} have), the finished
     * siblings' confidences C (exp of mean token log-prob) and pairwise similarities s are combined: P = Σ C_i C_j s_ij
     * / Σ C_i C_j, B = 1 − |P − τ| / τ, Q = sqrt(rms(C) · B). The unfinished siblings are cancelled when Q ≥
     * {@code threshold}, or, in the probabilistic mode, with probability Q (seeded per query and decision).
     *
     * @param similarity answer: 1 when both outputs extract the same answer, else 0; embedding: cosine of sentence
     *                   embeddings; auto: answer agreement when both outputs have an extracted answer (multiple
     *                   choice, numeric), else embeddings
     * @param embedder   sentence-embedding backend name ({@code minilm}: all-MiniLM-L6-v2, quantized, in-process)
     */
    public record EarlyExit(boolean enabled, double tau, double threshold, boolean probabilistic, long seed,
                            int minFinished, Similarity similarity, String embedder) implements Serializable {

        public static final EarlyExit OFF = new EarlyExit(false, 0.7, 0.6, false, 0, 2, Similarity.AUTO, "minilm");
    }

    public enum Similarity { AUTO, ANSWER, EMBEDDING }

    /**
     * How a collector's stops reach agent operators: {@code auto} in the JVM where the agent runs beside the
     * collector and through Flink's operator coordinators (the JobManager) where it runs elsewhere; {@code coordinator}
     * always through the coordinators (to test or measure that path on one machine).
     */
    public enum StopPath { AUTO, COORDINATOR }

    /**
     * Size limits on every input field; larger inputs are dead-lettered.
     *
     * @param maxPromptTokens   cap on the question's size in tokens, estimated from text and choices without a
     *                          tokenizer as a lower bound of what BPE tokenizers give (words, up to 3 digits and
     *                          each other symbol count one); an engine still refuses a prompt over its context
     * @param duplicateWindowMs a query id accepted within this long before is a duplicate (dead-lettered); 0 turns
     *                          the check off. State grows with rate × window
     * @param duplicateState    how the window's ids are kept: compact (8 bytes an id in memory-resident hash sets,
     *                          written whole at each checkpoint) or per_id (a keyed state entry per id with a TTL:
     *                          for the RocksDB state backend with incremental checkpoints and windows of hours)
     */
    public record Limits(int maxIdChars, int maxTextChars, int maxChoices, int maxChoiceChars, int maxPromptTokens,
                         long duplicateWindowMs, DuplicateState duplicateState) implements Serializable {

        public Limits(int maxIdChars, int maxTextChars, int maxChoices, int maxChoiceChars) {
            this(maxIdChars, maxTextChars, maxChoices, maxChoiceChars, Integer.MAX_VALUE, 0);
        }

        public Limits(int maxIdChars, int maxTextChars, int maxChoices, int maxChoiceChars, int maxPromptTokens,
                      long duplicateWindowMs) {
            this(maxIdChars, maxTextChars, maxChoices, maxChoiceChars, maxPromptTokens, duplicateWindowMs,
                    DuplicateState.COMPACT);
        }
    }

    public enum DuplicateState { COMPACT, PER_ID }
}
