package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryFiles;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.deploy.Timeline;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.Variant;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;

/**
 * Faster-MoA's ablation (dense → tree → + prefill/decode overlap → + early exit) and MOSAIC's aggregator bypass, on
 * the same queries, in the same run, with the same engine. Every variant is one run of the job configured through
 * its normal configuration keys (topology and {@code mechanisms.*} overrides), so a mechanism the job does not yet
 * honour simply shows no effect.
 *
 * <ul>
 *   <li>{@code sim}: the sim preset's GPU-class profiles (4B / 8B / 32B-class experts, 8B-class aggregator) in
 *       <b>virtual time</b> (nothing sleeps; latency is the modelled critical path), on synthetic multiple-choice /
 *       numeric queries with gold answers, in batch mode: in virtual time queries do not queue behind each other.</li>
 *   <li>{@code djl}: the bundled tiny models on the DJL engine (CPU), on the first N held-out questions of their
 *       task suite, through the streaming job (in-JVM Kafka → MiniCluster → Kafka), one job per variant side by
 *       side, in a closed loop: query i goes to every variant in turn, one query in flight in the whole JVM, the
 *       next one sent when its answer has arrived; one uncounted warm-up query per variant. Latency is the wall
 *       clock from the producer's submitted_at to the answer.</li>
 * </ul>
 */
final class FasterMoaBench implements Bench.Runner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUITE = "/dev/moaflink/models/suite-test.jsonl";
    /** The variants whose timelines are drawn: the baseline tree and the all-mechanisms one. */
    private static final List<String> TIMELINES = List.of("tree", "bypass-067");
    private static final java.util.regex.Pattern TRAILING_NUMBER = java.util.regex.Pattern.compile("(\\d{1,18})$");

    /** One variant's outcome on one engine; {@code error} set (and metrics null) when its run failed. */
    record Outcome(Variant variant, VariantMetrics metrics, double wallS, Double roundTripP50Ms, String error,
                   Path answers) {}

    /** One engine's outcomes, in variant order. */
    record EngineRun(String engine, boolean simulated, int queries, String description, List<Outcome> outcomes,
                     double wallS) {

        Outcome get(String slug) {
            return outcomes.stream().filter(o -> o.variant().slug().equals(slug) && o.metrics() != null).findFirst()
                    .orElse(null);
        }
    }

    /** A target checked against this run's figures; {@code met} null when it could not be computed. */
    record Check(String engine, String target, String variant, Double value, String limit, Boolean met, String note) {}

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        String engines = o.string("engines", "sim,sim-shared,sim-reasoning,sim-reasoning-shared,djl");
        String treeName = o.string("tree", "tree-9-3-1");
        List<Variant> ladder = new ArrayList<>(Variant.standard(o.string("dense", "dense-9-9-1"), treeName));
        ladder.add(grouped(ladder, o.string("grouped-tree", "tree-9-3-1-grouped")));
        List<Variant> variants = Variant.select(ladder, o.string("variants", "all"));
        int simQueries = o.integer("queries", 400);
        int reasoningQueries = o.integer("reasoning-queries", 200);
        int seed = o.integer("seed", 42);
        int djlQueries = o.integer("djl-queries", 480);
        int timelineQueries = o.integer("timeline-queries", 4);
        List<String[]> extra = pairs(o.string("set", ""));
        Path root = Path.of(System.getProperty("moa.repo.root", ".")).toAbsolutePath();
        Path dir = root.resolve("target/bench/faster-moa");
        Files.createDirectories(dir);

        long t0 = System.nanoTime();
        List<EngineRun> runs = new ArrayList<>();
        for (String e : engines.split(",")) {
            switch (e.strip()) {
                case "sim", "sim-reasoning", "sim-shared", "sim-reasoning-shared" -> runs.add(runSim(dir, e.strip(),
                        variants, extra, e.strip().startsWith("sim-reasoning") ? reasoningQueries : simQueries, seed));
                case "djl" -> runs.add(runDjl(dir, variants, extra, djlQueries));
                default -> throw new IllegalArgumentException("unknown engine '" + e
                        + "'; known: sim, sim-shared, sim-reasoning, sim-reasoning-shared, djl");
            }
        }
        double totalS = (System.nanoTime() - t0) / 1e9;
        List<String> timelines = new ArrayList<>();
        for (EngineRun r : runs) {
            timelines.addAll(timelines(root, r, timelineQueries));
        }
        return report(runs, variants, extra, totalS, timelines);
    }

    // ---------------------------------------------------------------- sim: batch mode, virtual time

    /**
     * All mechanisms (T = 2/3) on the same nine experts clustered by model ({@code tree-9-3-1-grouped}: smalls,
     * mediums, larges): a cluster of fast experts can settle its bypass, and the root its own, before the slow
     * cluster has finished.
     */
    static Variant grouped(List<Variant> ladder, String topology) {
        Variant all = ladder.stream().filter(v -> v.slug().equals("bypass-067")).findFirst().orElseThrow();
        List<String[]> overrides = new ArrayList<>();
        for (String[] kv : all.overrides()) {
            overrides.add(kv[0].equals("default_topology") ? new String[] {kv[0], topology} : kv);
        }
        return new Variant("+bypass T=2/3, grouped tree", "bypass-067-grouped", overrides);
    }

    /**
     * Context tokens whose KV cache weighs as much as the weights, for the sim presets' model classes (bf16, GQA with
     * 8 KV heads of 128): 4B-class 8 GB / 144 KiB a token, 8B-class 16 GB / 144 KiB, 32B-class 64 GB / 256 KiB.
     */
    static final Map<String, String> KV_WEIGHT_TOKENS = Map.of("expert-small", "55000", "expert-medium", "110000",
            "expert-large", "250000", "aggregator", "110000");

    /** The overrides of a {@code -shared} engine: each model's sessions of a query share one GPU. */
    static List<String[]> sharedGpu() {
        List<String[]> out = new ArrayList<>();
        new java.util.TreeMap<>(KV_WEIGHT_TOKENS).forEach((model, tokens) -> {
            out.add(new String[] {"models." + model + ".options.shared_gpu", "'true'"});
            out.add(new String[] {"models." + model + ".options.kv_weight_tokens", "'" + tokens + "'"});
        });
        return out;
    }

    /**
     * {@code engine}: sim (instruct-class profiles) or sim-reasoning (reasoning-class: long outputs), each with every
     * session on a GPU of its own, or with {@code -shared}: one GPU per model that a query's sessions share.
     */
    private static EngineRun runSim(Path dir, String engine, List<Variant> variants, List<String[]> extra, int n,
                                    int seed) throws Exception {
        boolean shared = engine.endsWith("-shared");
        String preset = shared ? engine.substring(0, engine.length() - "-shared".length()) : engine;
        List<String[]> engineExtra = new ArrayList<>(shared ? sharedGpu() : List.of());
        engineExtra.addAll(extra);
        long t0 = System.nanoTime();
        Path input = dir.resolve(preset + "-queries.jsonl");
        QueryFiles.write(input, SyntheticQueries.generate(n, seed, "sim-"));
        List<Outcome> outcomes = new ArrayList<>();
        for (Variant v : variants) {
            Path out = dir.resolve(engine + "-" + v.slug() + ".jsonl");
            long v0 = System.nanoTime();
            System.out.printf("[faster-moa] %s (simulated, virtual time) %s: %d queries%n", engine, v.name(), n);
            try {
                JobArgs args = new JobArgs().set("preset", preset).virtualTime().set("mode", "batch")
                        .set("batch.input", input).set("batch.output", out)
                        .set("job_name", "faster-moa-" + engine + "-" + v.slug()).set("parallelism", 1);
                apply(args, v.overrides(), engineExtra);
                JobConfig config = ConfigLoader.fromArgs(args.toArray());
                StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, flinkConf());
                MoaJob.build(env, config);
                env.execute(config.jobName());
                deleteIfEmpty(Path.of(MoaJob.deadLetterFile(config.batch())));
                List<JsonNode> answers = readAnswers(out);
                if (answers.size() != n) {
                    throw new IllegalStateException(answers.size() + " answers for " + n + " queries");
                }
                outcomes.add(new Outcome(v, VariantMetrics.of(answers), seconds(v0), null, null, out));
            } catch (Exception | LinkageError e) {
                outcomes.add(failed(v, seconds(v0), e));
            }
            print(engine + " (simulated)", outcomes.get(outcomes.size() - 1));
        }
        String where = shared ? ", one GPU per model shared by a query's sessions" : ", a GPU per session";
        return new EngineRun(engine, true, n, (preset.equals("sim")
                ? "simulated engine, instruct-class profiles (--preset sim, time: virtual"
                : "simulated engine, reasoning-class profiles (--preset sim-reasoning, time: virtual") + where + ")",
                outcomes, seconds(t0));
    }

    // ---------------------------------------------------------------- djl: streaming jobs, closed loop

    /** One variant's streaming job during the djl run, with its topics' clients and what it answered so far. */
    private static final class LiveJob {
        final Variant variant;
        final Path out;
        final List<JsonNode> answers = new ArrayList<>();
        final List<Double> roundTrips = new ArrayList<>();
        JobClient job;
        QueryProducer producer;
        AnswerReader<Answer> reader;
        Throwable failure;
        double busyS;

        LiveJob(Variant variant, Path out) {
            this.variant = variant;
            this.out = out;
        }

        /** Sends one query and waits for its answer (anything else on the topic is ignored). */
        Answer ask(Query q, Duration timeout) {
            long t0 = System.nanoTime();
            producer.send(q);
            producer.flush();
            long deadline = t0 + timeout.toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    for (Answer a : reader.read(1, Duration.ofSeconds(5), x -> { })) {
                        if (a.getQueryId().equals(q.getId())) {
                            return a;
                        }
                    }
                }
                throw new IllegalStateException("no answer to " + q.getId() + " within " + timeout);
            } finally {
                busyS += seconds(t0);
            }
        }

        void stop() {
            try {
                if (job != null) {
                    job.cancel().get();
                }
            } catch (Exception e) {
                System.out.println("[faster-moa] cancelling " + variant.name() + ": " + e);
            }
            if (producer != null) {
                producer.close();
            }
            if (reader != null) {
                reader.close();
            }
        }
    }

    /**
     * All variants' streaming jobs run side by side on one MiniCluster and one in-JVM broker, and the queries go to
     * them in turn: query i to every variant (the order rotating with i), each time one query in the whole JVM, the
     * next sent when its answer has arrived. So no query queues behind another, and whatever drifts during the run
     * (JIT, caches, the machine's other load) is spread over the variants alike instead of favouring the last ones.
     * Each variant's queries carry its own ids ({@code slug/id}), so no per-query state can be shared across jobs.
     */
    private static EngineRun runDjl(Path dir, List<Variant> variants, List<String[]> extra, int n) throws Exception {
        long t0 = System.nanoTime();
        List<String> suite;
        try (InputStream in = FasterMoaBench.class.getResourceAsStream(SUITE)) {
            if (in == null) {
                throw new IllegalStateException(SUITE + " is not on the classpath (module moa-models)");
            }
            suite = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
        if (n < 1 || n >= suite.size()) {
            throw new IllegalArgumentException("--djl-queries must be in [1, " + (suite.size() - 1) + "]");
        }
        Path input = dir.resolve("djl-queries.jsonl");
        Files.write(input, suite.subList(0, n));
        Path warmFile = dir.resolve("djl-warmup-query.jsonl");
        Files.write(warmFile, suite.subList(n, n + 1)); // a held-out question outside the measured set
        List<Query> queries = QueryFiles.read(input);
        Query warm = QueryFiles.read(warmFile).get(0);

        List<LiveJob> jobs = new ArrayList<>();
        Configuration conf = flinkConf();
        MiniClusterConfiguration cluster = new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2 * variants.size() + 2).build();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); MiniCluster flink = new MiniCluster(cluster)) {
            flink.start();
            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
            try {
                for (Variant v : variants) {
                    LiveJob j = new LiveJob(v, dir.resolve("djl-" + v.slug() + ".jsonl"));
                    jobs.add(j);
                    warmUp(j, kafka, connection, flink, extra, warm);
                }
                interleave(jobs, queries);
            } finally {
                jobs.forEach(LiveJob::stop); // while the MiniCluster still runs
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (LiveJob j : jobs) {
            if (j.failure != null) {
                outcomes.add(failed(j.variant, j.busyS, j.failure));
                continue;
            }
            List<String> lines = new ArrayList<>();
            for (JsonNode a : j.answers) {
                lines.add(JSON.writeValueAsString(a));
            }
            Files.write(j.out, lines);
            double[] rt = j.roundTrips.stream().mapToDouble(Double::doubleValue).toArray();
            Outcome o = new Outcome(j.variant, VariantMetrics.of(j.answers), j.busyS, new Percentiles(rt).p(0.5), null,
                    j.out);
            outcomes.add(o);
            print("djl", o);
        }
        return new EngineRun("djl", false, n, "bundled tiny models, DJL engine (PyTorch, CPU), wall clock", outcomes,
                seconds(t0));
    }

    /** Starts a variant's job and sends it one uncounted query (job start, model loading, first JIT work). */
    private static void warmUp(LiveJob j, EmbeddedKafka kafka, KafkaConnection connection, MiniCluster flink,
                               List<String[]> extra, Query warm) {
        long v0 = System.nanoTime();
        try {
            start(j, kafka, connection, flink, extra);
            System.out.printf("[faster-moa] djl %s: job running, warm-up query%n", j.variant.name());
            j.ask(idFor(j, warm, "warmup-"), Duration.ofMinutes(10));
        } catch (Exception | LinkageError e) {
            fail(j, e);
        }
        j.busyS = seconds(v0);
    }

    /** Query i to every live variant in turn, starting one further along for each i; one query in flight. */
    private static void interleave(List<LiveJob> jobs, List<Query> queries) {
        int n = queries.size();
        System.out.printf("[faster-moa] djl: %d queries to each of %d variants in turn, one in flight%n", n,
                jobs.stream().filter(j -> j.failure == null).count());
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < jobs.size(); k++) {
                LiveJob j = jobs.get((i + k) % jobs.size());
                if (j.failure != null) {
                    continue;
                }
                long q0 = System.nanoTime();
                try {
                    j.answers.add(json(j.ask(idFor(j, queries.get(i), ""), Duration.ofMinutes(5))));
                    j.roundTrips.add((System.nanoTime() - q0) / 1e6);
                } catch (Exception e) {
                    fail(j, e);
                }
            }
            if ((i + 1) % 8 == 0 || i + 1 == n) {
                StringBuilder progress = new StringBuilder();
                for (LiveJob j : jobs) {
                    if (j.failure == null) {
                        progress.append(String.format(Locale.ROOT, " %s %.0f,", j.variant.slug(),
                                VariantMetrics.of(j.answers).p50Ms()));
                    }
                }
                System.out.printf("[faster-moa] djl %d/%d queries; p50 ms so far:%s%n", i + 1, n, progress);
            }
        }
    }

    /** Starts a variant's streaming job on the shared MiniCluster, reading and writing its own topics. */
    private static void start(LiveJob j, EmbeddedKafka kafka, KafkaConnection connection, MiniCluster flink,
                              List<String[]> extra) throws Exception {
        String s = UUID.randomUUID().toString().substring(0, 8);
        String qTopic = "fm-q-" + s;
        String aTopic = "fm-a-" + s;
        String dTopic = "fm-d-" + s;
        kafka.createTopics(1, qTopic, aTopic, dTopic);
        // At-least-once without checkpoints: an answer is readable as soon as it is written, and no checkpoint runs
        // beside the query being measured.
        JobArgs args = JobArgs.bundledModels()
                .set("kafka.bootstrap_servers", kafka.bootstrapServers()).set("kafka.queries_topic", qTopic)
                .set("kafka.answers_topic", aTopic).set("kafka.dead_letter_topic", dTopic)
                .set("kafka.starting_offsets", "earliest").set("kafka.group_id", "fm-" + s)
                .set("kafka.transactional_id_prefix", "fm-" + s).set("kafka.delivery", "at_least_once")
                .set("checkpoint_interval_ms", 0).set("parallelism", 1)
                // Latency with one query in flight: records leave each operator at once instead of after up to
                // the default 5 ms flush interval (a hop per level; the same for every variant).
                .set("buffer_timeout_ms", 0)
                .set("job_name", "faster-moa-djl-" + j.variant.slug());
        apply(args, j.variant.overrides(), extra);
        JobConfig config = ConfigLoader.fromArgs(args.toArray());
        StreamExecutionEnvironment env = new TestStreamEnvironment(flink, 1);
        MoaJob.build(env, config);
        j.job = env.executeAsync(config.jobName());
        j.producer = new QueryProducer(connection, qTopic);
        j.reader = new AnswerReader<>(connection, aTopic, Answer.class);
    }

    private static Query idFor(LiveJob j, Query q, String prefix) {
        return Query.newBuilder(q).setId(j.variant.slug() + "/" + prefix + q.getId()).build();
    }

    private static void fail(LiveJob j, Throwable e) {
        j.failure = e;
        System.out.println("[faster-moa] djl " + j.variant.name() + " failed: " + e);
        j.stop();
    }

    /** An Avro record as the job's JSON (field names as in the schema; timestamps as epoch milliseconds). */
    static JsonNode json(SpecificRecord r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Schema.Field f : r.getSchema().getFields()) {
            o.set(f.name(), value(r.get(f.pos())));
        }
        return o;
    }

    private static JsonNode value(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        } else if (v instanceof SpecificRecord r) {
            return json(r);
        } else if (v instanceof List<?> list) {
            ArrayNode a = f.arrayNode();
            list.forEach(x -> a.add(value(x)));
            return a;
        } else if (v instanceof Instant t) {
            return f.numberNode(t.toEpochMilli());
        } else if (v instanceof Boolean b) {
            return f.booleanNode(b);
        } else if (v instanceof Integer i) {
            return f.numberNode(i);
        } else if (v instanceof Long l) {
            return f.numberNode(l);
        } else if (v instanceof Double d) {
            return f.numberNode(d);
        } else if (v instanceof Float d) {
            return f.numberNode(d);
        }
        return f.textNode(v.toString()); // strings, enums
    }

    // ---------------------------------------------------------------- report

    private BenchReport report(List<EngineRun> runs, List<Variant> variants, List<String[]> extra, double totalS,
                               List<String> timelines) {
        BenchReport r = new BenchReport("faster-moa");
        Map<String, Object> engines = new LinkedHashMap<>();
        Map<String, Object> overheads = new LinkedHashMap<>();
        Map<String, Object> targets = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark `faster-moa`: dense vs tree, prefill/decode overlap, early exit, aggregator bypass\n\n");
        md.append(String.format(Locale.ROOT, "Every variant answers the same queries with the same engine in this run "
                + "(%d cores, %.0f s in all). A variant is the job configured through its own keys:%n%n",
                Runtime.getRuntime().availableProcessors(), totalS));
        for (Variant v : variants) {
            md.append("- `").append(v.name()).append("`: ").append(v.describe()).append('\n');
        }
        if (!extra.isEmpty()) {
            md.append("\nEvery variant also sets: ").append(describe(extra)).append('\n');
        }
        md.append("\nLatency percentiles are nearest-rank. Invocations: nodes that RAN per query; tokens: prompt "
                + "tokens prefilled and output tokens decoded per query by the nodes that called an engine; "
                + "prefill (L≥2): per query, summed over the aggregator nodes (level ≥ 2), all of it and the part "
                + "exposed after the last input arrived; cancel / skip rates over all nodes (skip: SKIPPED and not "
                + "bypassed); bypass rate over aggregator nodes; bypassed answers: the root aggregator was "
                + "bypassed.\n");
        List<Check> allChecks = new ArrayList<>();
        for (EngineRun run : runs) {
            Outcome dense = run.get("dense");
            List<Map<String, Object>> rows = new ArrayList<>();
            String tag = run.simulated() ? " (simulated)" : "";
            md.append("\n## ").append(run.engine()).append(": ").append(run.description()).append("\n\n");
            if (run.simulated()) {
                boolean reasoning = run.engine().startsWith("sim-reasoning");
                boolean shared = run.engine().endsWith("-shared");
                md.append(String.format(Locale.ROOT, "**Simulated engine, virtual time**: nothing ran on a GPU; "
                        + "latencies are the modelled critical path of each query (the %s preset's GPU-class "
                        + "profiles: expert-small / -medium / -large as 4B / 8B / 32B-class models at 90 / 60 / 35 "
                        + "tokens/s, an 8B-class aggregator; %s). %d synthetic queries with gold answers (arithmetic "
                        + "and multiple choice), batch mode on a MiniCluster; in virtual time no query waits for "
                        + "another. %s%.0f s.%n%n", run.engine().replace("-shared", ""), reasoning
                                ? "reasoning-class outputs as in the Faster-MoA paper's Qwen3 4B/8B/32B setting: "
                                + "experts mean 3,000 tokens, p95 8,000; aggregators 1,500 / 4,000"
                                : "instruct-class outputs: experts mean 90 / 110 / 130 tokens, aggregators 80",
                        run.queries(), shared ? SHARED_NOTE : "Every session has a GPU of its own (no contention). ",
                        run.wallS()));
            } else {
                md.append(String.format(Locale.ROOT, "The bundled tiny models on the DJL engine (CPU) on the first %d "
                        + "held-out questions of their task suite (suite-test.jsonl). One streaming job per variant, side by "
                        + "side on one MiniCluster and one in-JVM Kafka broker (at-least-once, no checkpoints, network buffers "
                        + "flushed per record: buffer_timeout_ms 0); closed "
                        + "loop: query i goes to every variant in turn (the order rotating with i), one query in flight "
                        + "in the whole JVM, the next sent when its answer arrived, so drift during the run (JIT, the "
                        + "machine's other load) touches all variants alike; one warm-up query per variant not "
                        + "counted. Latency: wall clock from the producer's submitted_at to the answer; run s: the "
                        + "variant's own queries incl. job start and warm-up. %.0f s.%n%n",
                        run.queries(), run.wallS()));
            }
            md.append("| variant | p50 ms | p95 ms | speed-up vs dense | accuracy | Δ acc vs dense (pp) | invocations "
                    + "| prompt tok | output tok | exposed prefill ms (L≥2) | prefill ms (L≥2) | cancel | skip "
                    + "| bypass | bypassed answers | run s |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Outcome oc : run.outcomes()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", oc.variant().name());
                row.put("slug", oc.variant().slug());
                row.put("overrides", oc.variant().describe());
                row.put("run_s", VariantMetrics.round(oc.wallS(), 1));
                if (oc.metrics() == null) {
                    row.put("error", oc.error());
                    rows.add(row);
                    md.append("| ").append(oc.variant().name()).append(tag).append(" | failed: ")
                            .append(oc.error().replace('|', '/')).append(" |||||||||||||||\n");
                    continue;
                }
                VariantMetrics m = oc.metrics();
                Double speedup = dense == null ? null : ratio(dense.metrics().p50Ms(), m.p50Ms());
                Double dAcc = dense == null || m.accuracy() == null || dense.metrics().accuracy() == null ? null
                        : (m.accuracy() - dense.metrics().accuracy()) * 100;
                row.putAll(m.figures());
                row.put("speedup_vs_dense", speedup == null ? null : VariantMetrics.round(speedup, 3));
                row.put("accuracy_delta_pp", dAcc == null ? null : VariantMetrics.round(dAcc, 2));
                if (dense != null && oc != dense && dAcc != null) {
                    VariantMetrics.Paired pd = VariantMetrics.Paired.of(m.correct(), dense.metrics().correct());
                    row.put("accuracy_vs_dense", Map.of("gained", pd.gained(), "lost", pd.lost(),
                            "sign_test_p", VariantMetrics.round(pd.signTestP(), 4)));
                }
                if (oc.roundTripP50Ms() != null) {
                    row.put("client_round_trip_p50_ms", VariantMetrics.round(oc.roundTripP50Ms(), 2));
                }
                row.put("answers_file", repoRelative(oc.answers()));
                rows.add(row);
                md.append(String.format(Locale.ROOT, "| %s%s | %.1f | %.1f | %s | %s | %s | %.2f | %.0f | %.1f | %.1f | "
                        + "%.1f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.0f |%n", oc.variant().name(), tag, m.p50Ms(),
                        m.p95Ms(), speedup == null ? "–" : String.format(Locale.ROOT, "%.2f×", speedup),
                        m.accuracy() == null ? "–" : String.format(Locale.ROOT, "%.1f%%", m.accuracy() * 100),
                        dAcc == null ? "–" : String.format(Locale.ROOT, "%+.1f", dAcc), m.invocations(),
                        m.promptTokens(), m.outputTokens(), m.exposedPrefillMs(), m.aggregatorPrefillMs(),
                        m.cancelRate() * 100, m.skipRate() * 100, m.bypassRate() * 100,
                        m.aggregatorBypassedShare() * 100, oc.wallS()));
            }
            if (dense != null && dense.metrics().accuracy() != null) {
                double p = dense.metrics().accuracy();
                md.append(String.format(Locale.ROOT, "%nOne standard error of an accuracy near %.1f%% over %d "
                        + "questions is %.1f pp%s. Paired with dense, question by question (right where dense was "
                        + "wrong / wrong where dense was right; exact two-sided sign test):", p * 100,
                        dense.metrics().withGold(), Math.sqrt(p * (1 - p) / Math.max(1, dense.metrics().withGold())) * 100,
                        tag));
                for (Outcome oc : run.outcomes()) {
                    if (oc != dense && oc.metrics() != null && oc.metrics().accuracy() != null) {
                        VariantMetrics.Paired pd = VariantMetrics.Paired.of(oc.metrics().correct(),
                                dense.metrics().correct());
                        md.append(String.format(Locale.ROOT, " %s +%d / −%d (p = %.2f);", oc.variant().name(),
                                pd.gained(), pd.lost(), pd.signTestP()));
                    }
                }
                md.setLength(md.length() - 1);
                md.append(".\n");
            }
            String bound = expertBound(run);
            if (bound != null) {
                md.append('\n').append(bound).append('\n');
            }
            List<String> notes = mechanismNotes(run);
            if (!notes.isEmpty()) {
                md.append("\nWhat the traces show of each mechanism").append(tag).append(":\n");
                String prefix = run.simulated() ? "- simulated: " : "- ";
                notes.forEach(n -> md.append(prefix).append(n).append('\n'));
            }
            Map<String, Object> overhead = earlyExitOverhead(run);
            if (overhead != null) {
                overheads.put(run.engine(), overhead);
            }
            List<Check> checks = checks(run, overhead);
            allChecks.addAll(checks);
            List<Map<String, Object>> checkFigures = new ArrayList<>();
            for (Check c : checks) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", c.target());
                m.put("variant", c.variant());
                m.put("value", c.value() == null ? null : VariantMetrics.round(c.value(), 4));
                m.put("limit", c.limit());
                m.put("met", c.met());
                if (c.note() != null) {
                    m.put("note", c.note());
                }
                checkFigures.add(m);
            }
            targets.put(run.engine(), checkFigures);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("engine", run.description());
            e.put("simulated", run.simulated());
            e.put("queries", run.queries());
            e.put("wall_s", VariantMetrics.round(run.wallS(), 1));
            e.put("variants", rows);
            engines.put(run.engine(), e);
        }

        md.append("\n## Early-exit evaluation overhead\n\np50(early-exit-never) ÷ p50(tree+overlap) − 1, where "
                + "early-exit-never is tree+overlap+early-exit with `mechanisms.early_exit.threshold: 1.0`, so that Q "
                + "never reaches it and no sibling is cancelled: what evaluating Q costs.\n\n");
        if (overheads.isEmpty()) {
            md.append("Not computed: needs the variants tree+overlap and early-exit-never.\n");
        }
        for (Map.Entry<String, Object> e : overheads.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> oh = (Map<String, Object>) e.getValue();
            boolean sim = runs.stream().anyMatch(x -> x.engine().equals(e.getKey()) && x.simulated());
            md.append(String.format(Locale.ROOT, "- %s%s: p50 %.1f ms vs %.1f ms → %+.2f%%, %d sibling cancellations in "
                    + "the control%s%n", e.getKey(), sim ? " (simulated, virtual time: the evaluation's own CPU "
                    + "time is not modelled)" : "", (double) oh.get("p50_ms_early_exit_never"),
                    (double) oh.get("p50_ms_tree_overlap"), (double) oh.get("overhead") * 100,
                    (long) oh.get("cancelled_nodes_in_control"), (long) oh.get("cancelled_nodes_in_control") > 0
                            ? " (the control did cancel: the threshold 1.0 was reached)" : ""));
        }

        md.append("\n## Targets (computed from this run)\n\n| engine | target | variant | value | limit | met |\n"
                + "|---|---|---|---:|---|---|\n");
        for (Check c : allChecks) {
            boolean sim = runs.stream().anyMatch(x -> x.engine().equals(c.engine()) && x.simulated());
            md.append("| ").append(c.engine()).append(sim ? " (simulated)" : "").append(" | ").append(c.target())
                    .append(" | ").append(c.variant()).append(" | ")
                    .append(c.value() == null ? "–" : String.format(Locale.ROOT, "%.3f", c.value())).append(" | ")
                    .append(c.limit()).append(" | ")
                    .append(c.met() == null ? "not computed" : c.met() ? "**met**" : "**not met**")
                    .append(c.note() == null ? "" : " (" + c.note() + ")").append(" |\n");
        }
        md.append("\nAnswers of every variant: target/bench/faster-moa/<engine>-<variant>.jsonl");
        if (!timelines.isEmpty()) {
            md.append("; timelines: ").append(String.join(", ", timelines));
        }
        md.append(".\n");

        r.put("engines", engines);
        r.put("early_exit_overhead", overheads);
        r.put("targets", targets);
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("wall_s", VariantMetrics.round(totalS, 1));
        r.put("timelines", timelines);
        r.md(md.toString());
        return r;
    }

    /** The early-exit overhead on one engine, or null when the run lacks its two variants. */
    static Map<String, Object> earlyExitOverhead(EngineRun run) {
        Outcome never = run.get("ee-never");
        Outcome base = run.get("tree-overlap");
        if (never == null || base == null) {
            return null;
        }
        double overhead = never.metrics().p50Ms() / base.metrics().p50Ms() - 1;
        long cancelled = Math.round(never.metrics().cancelRate() * never.metrics().nodesPerQuery()
                * never.metrics().queries());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("simulated", run.simulated());
        m.put("p50_ms_early_exit_never", VariantMetrics.round(never.metrics().p50Ms(), 2));
        m.put("p50_ms_tree_overlap", VariantMetrics.round(base.metrics().p50Ms(), 2));
        m.put("overhead", VariantMetrics.round(overhead, 4));
        m.put("cancelled_nodes_in_control", cancelled);
        m.put("target", "<= 0.05");
        m.put("met", overhead <= 0.05);
        return m;
    }

    /** The targets, from this run's figures. */
    static List<Check> checks(EngineRun run, Map<String, Object> overhead) {
        List<Check> out = new ArrayList<>();
        String e = run.engine();
        double minSpeedup = run.simulated() ? 10 : 3;
        Outcome dense = run.get("dense");
        for (String slug : List.of("bypass-1", "bypass-067", "bypass-067-grouped")) {
            String name = switch (slug) {
                case "bypass-1" -> "+bypass T=1";
                case "bypass-067" -> "+bypass T=2/3";
                default -> "+bypass T=2/3, grouped tree";
            };
            Outcome v = run.get(slug);
            if (v == null && slug.equals("bypass-067-grouped") && run.outcomes().stream()
                    .noneMatch(x -> x.variant().slug().equals(slug))) {
                continue; // not selected
            }
            String speedLimit = String.format(Locale.ROOT, "≥ %.0f", minSpeedup);
            String speedTarget = "all mechanisms: p50 " + speedLimit + "× lower than dense";
            String accTarget = "all mechanisms: accuracy within ±1 pp of dense";
            if (v == null || dense == null) {
                String why = (dense == null ? "dense" : name) + " missing or failed";
                out.add(new Check(e, speedTarget, name, null, speedLimit, null, why));
                out.add(new Check(e, accTarget, name, null, "within ±1 pp", null, why));
                continue;
            }
            Double speedup = ratio(dense.metrics().p50Ms(), v.metrics().p50Ms());
            String note = speedup == null ? "p50 of 0 ms" : null;
            if (note == null && slug.equals("bypass-067-grouped") && !run.simulated()) {
                note = "deterministic decoding (temperature 0): a cluster's three copies of one model answer alike, "
                        + "so each cluster's vote is that model's answer and the root settles when the small and "
                        + "medium models agree";
            }
            out.add(new Check(e, speedTarget, name, speedup, speedLimit, speedup == null ? null : speedup >= minSpeedup,
                    note));
            if (v.metrics().accuracy() == null || dense.metrics().accuracy() == null) {
                out.add(new Check(e, accTarget, name, null, "within ±1 pp", null, "no gold answers"));
            } else {
                double d = (v.metrics().accuracy() - dense.metrics().accuracy()) * 100;
                VariantMetrics.Paired pd = VariantMetrics.Paired.of(v.metrics().correct(), dense.metrics().correct());
                out.add(new Check(e, accTarget + " (Δ in pp)", name, d, "within ±1", Math.abs(d) <= 1 + 1e-9,
                        String.format(Locale.ROOT, "paired: +%d / −%d questions, sign test p = %.2f", pd.gained(),
                                pd.lost(), pd.signTestP())));
            }
        }
        Outcome tree = run.get("tree");
        Outcome overlap = run.get("tree-overlap");
        String prefillTarget = "exposed prefill of tree+overlap ≤ 0.2 × tree's";
        if (tree == null || overlap == null) {
            out.add(new Check(e, prefillTarget, "tree+overlap", null, "≤ 0.2", null, "tree or tree+overlap missing"));
        } else if (tree.metrics().exposedPrefillMs() <= 0) {
            out.add(new Check(e, prefillTarget, "tree+overlap", null, "≤ 0.2", overlap.metrics().exposedPrefillMs() <= 0,
                    "tree exposes no prefill"));
        } else {
            double ratio = overlap.metrics().exposedPrefillMs() / tree.metrics().exposedPrefillMs();
            out.add(new Check(e, prefillTarget + " (ratio)", "tree+overlap", ratio, "≤ 0.2", ratio <= 0.2, null));
        }
        String ohTarget = "early-exit evaluation overhead (p50 ratio − 1)";
        if (overhead == null) {
            out.add(new Check(e, ohTarget, "early-exit-never", null, "≤ 0.05", null,
                    "tree+overlap or early-exit-never missing"));
        } else {
            out.add(new Check(e, ohTarget, "early-exit-never", (Double) overhead.get("overhead"), "≤ 0.05",
                    (Boolean) overhead.get("met"), run.simulated()
                            ? "virtual time does not model the evaluation's own CPU time" : null));
        }
        return out;
    }

    /**
     * How far any variant could go on this run's profiles: dense's p50 over the p50 of the moment the first (and the
     * second) of a query's experts finished, from the dense run's own traces. A variant whose answer needs at least
     * one expert's (two experts') output cannot beat that ratio.
     */
    static String expertBound(EngineRun run) {
        Outcome dense = run.get("dense");
        if (dense == null || dense.answers() == null || !Files.exists(dense.answers())) {
            return null;
        }
        List<Double> first = new ArrayList<>();
        List<Double> second = new ArrayList<>();
        List<JsonNode> answers;
        try {
            answers = readAnswers(dense.answers());
        } catch (Exception e) {
            return "Headroom: dense's answers could not be read again (" + e.getMessage() + ").";
        }
        for (JsonNode a : answers) {
            List<Double> ends = new ArrayList<>();
            for (JsonNode t : a.path("trace")) {
                if (t.path("level").asInt() == 1 && "RAN".equals(t.path("status").asText())) {
                    ends.add(t.path("end_offset_ms").asDouble());
                }
            }
            if (ends.size() >= 2) {
                java.util.Collections.sort(ends);
                first.add(ends.get(0));
                second.add(ends.get(1));
            }
        }
        if (first.isEmpty()) {
            return null;
        }
        double p1 = new Percentiles(first.stream().mapToDouble(Double::doubleValue).toArray()).p(0.5);
        double p2 = new Percentiles(second.stream().mapToDouble(Double::doubleValue).toArray()).p(0.5);
        double d = dense.metrics().p50Ms();
        return String.format(Locale.ROOT, "Headroom on these profiles (from dense's traces): a query's first expert "
                + "finishes at p50 %.1f ms and its second at %.1f ms, so a variant whose answer needs one expert's "
                + "output can be at most %.1f× faster than dense at p50, and one that needs two agreeing experts "
                + "%.1f×.", p1, p2, d / p1, d / p2);
    }

    /** Lines saying whether each mechanism left a mark in the traces (a mechanism not in effect shows none). */
    private static List<String> mechanismNotes(EngineRun run) {
        List<String> notes = new ArrayList<>();
        Outcome tree = run.get("tree");
        Outcome overlap = run.get("tree-overlap");
        if (tree != null && overlap != null) {
            double t = tree.metrics().exposedPrefillMs();
            double v = overlap.metrics().exposedPrefillMs();
            notes.add(String.format(Locale.ROOT, "overlap: exposed aggregator prefill %.1f ms per query with overlap vs "
                    + "%.1f ms without (%s)", v, t, t > 0 && v >= 0.95 * t
                    ? "not reduced: overlap had no effect in this run" : t > 0
                    ? String.format(Locale.ROOT, "%.0f%% of it", 100 * v / t) : "tree exposes none"));
        }
        for (String slug : List.of("tree-overlap-ee", "bypass-1", "bypass-067")) {
            Outcome o = run.get(slug);
            if (o != null) {
                notes.add(String.format(Locale.ROOT, "early exit in %s: %.1f%% of nodes cancelled%s", o.variant().name(),
                        o.metrics().cancelRate() * 100, o.metrics().cancelRate() == 0
                                ? " (none: early exit had no effect in this run)" : ""));
            }
        }
        for (String slug : List.of("bypass-1", "bypass-067")) {
            Outcome o = run.get(slug);
            if (o != null) {
                notes.add(String.format(Locale.ROOT, "bypass in %s: %.1f%% of aggregators bypassed, %.1f%% of answers "
                        + "from a bypassed root", o.variant().name(), o.metrics().bypassRate() * 100,
                        o.metrics().aggregatorBypassedShare() * 100));
            }
        }
        for (Outcome o : run.outcomes()) {
            if (o.metrics() != null && o.metrics().degradedShare() > 0) {
                notes.add(String.format(Locale.ROOT, "%s: %.1f%% of answers degraded (a node failed or timed out)",
                        o.variant().name(), o.metrics().degradedShare() * 100));
            }
        }
        return notes;
    }

    /** Draws the first queries of the tree and all-mechanisms variants with the deploy module's Timeline (HTML, PNG). */
    private static List<String> timelines(Path root, EngineRun run, int queries) {
        List<String> written = new ArrayList<>();
        if (queries <= 0) {
            return written;
        }
        for (String slug : TIMELINES) {
            Outcome o = run.get(slug);
            if (o == null) {
                continue;
            }
            try {
                List<String> ids = new ArrayList<>();
                for (JsonNode a : readAnswers(o.answers())) {
                    ids.add(a.get("query_id").asText());
                }
                ids.sort(FasterMoaBench::byNumericSuffix);
                String first = String.join(",", ids.subList(0, Math.min(queries, ids.size())));
                for (String ext : List.of(".html", ".png")) {
                    Path out = root.resolve("target/bench/faster-moa-" + run.engine() + "-" + slug + ext);
                    Timeline.main(new String[] {o.answers().toString(), "--out", out.toString(), "--ids", first});
                    written.add(root.relativize(out).toString());
                }
            } catch (Exception e) {
                System.out.println("[faster-moa] no timeline for " + run.engine() + " " + slug + ": " + e);
            }
        }
        return written;
    }

    /** Query ids in their numeric order (sim-2 before sim-10), ids without a number last. */
    private static int byNumericSuffix(String a, String b) {
        int c = Long.compare(suffix(a), suffix(b));
        return c != 0 ? c : a.compareTo(b);
    }

    private static long suffix(String id) {
        java.util.regex.Matcher m = TRAILING_NUMBER.matcher(id);
        return m.find() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }

    // ---------------------------------------------------------------- helpers

    private static Configuration flinkConf() {
        return BenchFlink.configuration();
    }

    private static void apply(JobArgs args, List<String[]> overrides, List<String[]> extra) {
        overrides.forEach(kv -> args.set(kv[0], kv[1]));
        extra.forEach(kv -> args.set(kv[0], kv[1]));
    }

    static final String SHARED_NOTE = "**One GPU per model, shared by a query's sessions** (sim options "
            + "`shared_gpu: true` and `kv_weight_tokens` 55,000 / 110,000 / 250,000 / 110,000 tokens for the 4B / 8B "
            + "/ 32B-class experts and the 8B-class aggregator): prefills run one at a time on a model's GPU, and a "
            + "decode step takes (1 + context tokens decoding at once ÷ kv_weight_tokens) times as long, the KV cache "
            + "read beside the weights. A session sees the sessions booked before it (the job books them in start "
            + "order), not later ones, and a session later cut by early exit still counts to its end: both "
            + "understate contention, the second against the early-exit variants. ";

    /** {@code key=value,key=value} job overrides applied to every variant (e.g. agent.max_tokens=64). */
    static List<String[]> pairs(String spec) {
        List<String[]> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set takes key=value[,key=value...], got '" + s + "'");
            }
            out.add(new String[] {s.substring(0, eq).strip(), s.substring(eq + 1).strip()});
        }
        return out;
    }

    private static String describe(List<String[]> kv) {
        List<String> s = new ArrayList<>();
        kv.forEach(p -> s.add(p[0] + ": " + p[1]));
        return String.join(", ", s);
    }

    private static List<JsonNode> readAnswers(Path file) throws Exception {
        List<JsonNode> answers = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                answers.add(JSON.readTree(line));
            }
        }
        return answers;
    }

    private static Outcome failed(Variant v, double wallS, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e == root ? String.valueOf(e) : e + " (cause: " + root + ")";
        System.out.println("[faster-moa] " + v.name() + " failed: " + message);
        e.printStackTrace(System.out);
        return new Outcome(v, null, wallS, null, message, null);
    }

    private static void print(String engine, Outcome o) {
        if (o.metrics() == null) {
            return;
        }
        VariantMetrics m = o.metrics();
        System.out.printf(Locale.ROOT, "[faster-moa] %s %s: p50 %.1f ms, p95 %.1f ms, accuracy %s, %.2f invocations, "
                + "exposed prefill %.1f ms, cancel %.1f%%, bypass %.1f%% (%.0f s)%n", engine, o.variant().name(),
                m.p50Ms(), m.p95Ms(), m.accuracy() == null ? "–" : String.format(Locale.ROOT, "%.3f", m.accuracy()),
                m.invocations(), m.exposedPrefillMs(), m.cancelRate() * 100, m.bypassRate() * 100, o.wallS());
    }

    private static String repoRelative(Path file) {
        Path root = Path.of(System.getProperty("moa.repo.root", ".")).toAbsolutePath();
        Path abs = file.toAbsolutePath();
        return abs.startsWith(root) ? root.relativize(abs).toString() : abs.toString();
    }

    private static void deleteIfEmpty(Path file) throws Exception {
        if (Files.exists(file) && Files.size(file) == 0) {
            Files.delete(file);
        }
    }

    private static Double ratio(double a, double b) {
        return b > 0 ? a / b : null;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
