package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.Variant;
import dev.moaflink.job.io.JsonQueries;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.model.QueryTask;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Batch scoring throughput: the batch job (MiniCluster, parallelism 1) against the engine alone (the same engines,
 * prompts and tree driven directly, {@link EngineOnlyMoa}), on the bundled DJL models and on the simulated engine in
 * real time; then on the standalone cluster of real processes (two TaskManagers) the simulated engine at parallelism
 * 1 and 2, and a parallelism-2 run with a TaskManager killed in its middle, checked exactly once. Throughput is
 * answers ÷ (last answer − first query read), the same for job and engine alone. Options: {@code --djl-queries}
 * (300), {@code --sim-queries} (600), {@code --cluster-queries} (1200), {@code --rounds} (3), {@code --cluster false}.
 */
final class BatchBench implements Bench.Runner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUITE = "/dev/moaflink/models/suite-test.jsonl";

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        long t0 = System.nanoTime();
        Path root = Path.of(System.getProperty("moa.repo.root", "."));
        Path dir = Files.createDirectories(root.resolve("target/bench/batch"));
        int rounds = o.integer("rounds", 3);
        BenchReport r = new BenchReport("batch");
        r.md("# Benchmark `batch`: batch scoring throughput\n\n");

        List<String> suite = suite();
        int djlN = Math.min(o.integer("djl-queries", 300), suite.size());
        Map<String, Object> djl = jobVersusEngine("djl", JobArgs::bundledModels, suite.subList(0, djlN), rounds, dir, r);
        r.put("djl", djl);
        int simN = o.integer("sim-queries", 600);
        List<String> simQueries = simQueries(simN);
        Map<String, Object> sim = jobVersusEngine("sim", SimServer::args, simQueries, rounds, dir, r);
        if (!o.string("cluster", "true").equals("false")) {
            int clusterN = o.integer("cluster-queries", 1200);
            BatchCluster.Result c = new BatchCluster(root, dir).run(SimServer.args(), simQueries(clusterN));
            sim.put("cluster_queries", clusterN);
            sim.put("p1_per_s", round(c.p1PerS()));
            sim.put("p2_per_s", round(c.p2PerS()));
            sim.put("two_taskmanagers_speedup", round(c.p2PerS() / c.p1PerS()));
            r.put("failover_exactly_once", c.failoverExactlyOnce());
            r.put("failover", c.failover());
            r.md(String.format(Locale.ROOT, "%n## Standalone cluster, two TaskManagers (**simulated** engine, real "
                            + "time)%n%nA JobManager and two TaskManager JVMs (2 slots each, subtasks spread over "
                            + "both), the job jar through Flink's CLI, %d queries: parallelism 1 %.2f queries/s, "
                            + "parallelism 2 %.2f queries/s, **%.2f×**. Each TaskManager JVM holds its own simulated "
                            + "GPU per model, as each machine of a real cluster would.%n%nFailover: parallelism 2 "
                            + "with TaskManager 1 killed (kill -9) after %s lines and a replacement started: %s.%n",
                    clusterN, c.p1PerS(), c.p2PerS(), c.p2PerS() / c.p1PerS(), c.failover().get("killed_after_lines"),
                    c.failoverExactlyOnce() ? "every query answered exactly once in the committed output, summary "
                            + "equal" : "**NOT exactly once**: " + c.failover()));
        }
        r.put("sim", sim);
        r.md(String.format(Locale.ROOT, "%n%.0f s in all.%n", (System.nanoTime() - t0) / 1e9));
        return r;
    }

    /** The batch job and the engine alone on the same queries, alternating, {@code rounds} times each. */
    private static Map<String, Object> jobVersusEngine(String engine, Supplier<JobArgs> base, List<String> lines,
                                                       int rounds, Path dir, BenchReport r) throws Exception {
        Path input = dir.resolve(engine + "-queries.jsonl");
        Files.write(input, lines);
        String[] args = base.get().set("mode", "batch").setAll(tree().overrides()).set("job_name", "batch-" + engine)
                .toArray();
        JobConfig config = ConfigLoader.fromArgs(withBatch(args, input, dir.resolve(engine + "-job")));
        List<QueryTask> queries = parse(config, lines);
        List<Double> job = new ArrayList<>();
        List<Double> alone = new ArrayList<>();
        // Holding the engines for the whole comparison: the job's operators lease the same loaded engines.
        try (EngineOnlyMoa engines = new EngineOnlyMoa(config)) {
            // Warm-up (JIT, the engines' first batches): a third of the queries through each.
            engines.run(queries.subList(0, queries.size() / 3));
            runJob(args, dir, engine, lines.subList(0, lines.size() / 3), "warm-up");
            for (int i = 0; i < rounds; i++) {
                job.add(runJob(args, dir, engine, lines, "round-" + i));
                alone.add(rate(engines.run(queries)));
                System.out.printf(Locale.ROOT, "[batch] %s round %d: job %.2f queries/s, engine alone %.2f%n", engine,
                        i, job.get(i), alone.get(i));
            }
        }
        double jobRate = median(job);
        double aloneRate = median(alone);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queries", lines.size());
        m.put("job_per_s", round(jobRate));
        m.put("engine_only_per_s", round(aloneRate));
        m.put("job_vs_engine_only", round(jobRate / aloneRate));
        m.put("job_rounds_per_s", job.stream().map(BatchBench::round).toList());
        m.put("engine_only_rounds_per_s", alone.stream().map(BatchBench::round).toList());
        r.md(String.format(Locale.ROOT, "%stree-9-3-1, %d queries (median of %d rounds): batch job %.2f queries/s, "
                        + "engine alone %.2f queries/s, job ÷ engine alone **%.2f** (rounds: job %s, engine alone %s).%n%n",
                engine.equals("djl") ? "## DJL, bundled tiny models (real inference)\n\n"
                        : "## Simulated engine, real time (**simulated**: GPU-class profiles, time compressed 10×)\n\n",
                lines.size(), rounds, jobRate, aloneRate, jobRate / aloneRate, fmt(job), fmt(alone)));
        return m;
    }

    /** One batch job run on a local MiniCluster into a fresh directory; its throughput. */
    private static double runJob(String[] base, Path dir, String engine, List<String> lines, String name)
            throws Exception {
        Path input = dir.resolve(engine + "-" + name + ".jsonl");
        Files.write(input, lines);
        Path out = dir.resolve(engine + "-" + name);
        new BatchOutput(out.toString()).delete();
        JobConfig config = ConfigLoader.fromArgs(withBatch(base, input, out));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1,
                BenchFlink.configuration());
        MoaJob.build(env, config);
        env.execute(config.jobName());
        List<String> answers = new BatchOutput(out.toString()).answerLines();
        if (answers.size() != lines.size()) {
            throw new IllegalStateException(answers.size() + " answers for " + lines.size() + " queries in " + out);
        }
        return rateOfAnswers(answers);
    }

    private static String[] withBatch(String[] base, Path input, Path out) {
        List<String> args = new ArrayList<>(List.of(base));
        args.addAll(List.of("--batch.input", input.toString(), "--batch.output", out.toString()));
        return args.toArray(String[]::new);
    }

    /** Answers ÷ (last answered_at − first submitted_at) of a run's answer lines. */
    static double rateOfAnswers(List<String> answers) throws Exception {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (String line : answers) {
            JsonNode a = JSON.readTree(line);
            first = Math.min(first, a.path("submitted_at_ms").asLong());
            last = Math.max(last, a.path("answered_at_ms").asLong());
        }
        if (first <= 0 || last < first) {
            throw new IllegalStateException("answers without submitted_at_ms / answered_at_ms");
        }
        return answers.size() / Math.max(1e-3, (last - first) / 1000.0);
    }

    private static double rate(List<long[]> times) {
        long first = times.stream().mapToLong(t -> t[0]).min().orElse(0);
        long last = times.stream().mapToLong(t -> t[1]).max().orElse(0);
        return times.size() / Math.max(1e-3, (last - first) / 1000.0);
    }

    private static List<QueryTask> parse(JobConfig config, List<String> lines) {
        var topologies = ConfigValidator.topologies(config);
        QueryValidator validator = new QueryValidator(config.limits(), topologies.all().keySet(),
                ConfigValidator.skillRouter(config));
        List<QueryTask> queries = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String line : lines) {
            QueryValidator.Outcome outcome = JsonQueries.parse(line, validator, System.currentTimeMillis());
            if (!outcome.accepted() || !ids.add(outcome.query().id())) {
                throw new IllegalStateException("not a distinct valid query: " + line);
            }
            queries.add(outcome.query());
        }
        return queries;
    }

    private static Variant tree() {
        return Variant.select(Variant.standard("dense-9-9-1", "tree-9-3-1"), "tree").get(0);
    }

    private static List<String> suite() throws Exception {
        try (var in = BatchBench.class.getResourceAsStream(SUITE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static List<String> simQueries(int n) throws Exception {
        List<String> lines = new ArrayList<>();
        for (var q : SyntheticQueries.generate(n, 7, "batch-")) {
            lines.add(JSON.writeValueAsString(Map.of("id", q.getId(), "text", q.getText(), "choices", q.getChoices(),
                    "task_type", q.getTaskType().name().toLowerCase(Locale.ROOT), "gold", q.getGold())));
        }
        return lines;
    }

    private static double median(List<Double> v) {
        return new Percentiles(v.stream().mapToDouble(Double::doubleValue).toArray()).p(0.5);
    }

    private static String fmt(List<Double> v) {
        return v.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList().toString();
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
