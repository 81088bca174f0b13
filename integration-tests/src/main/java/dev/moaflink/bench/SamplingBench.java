package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Diverse copies: accuracy of dense, tree and Self-MoA with their proposers greedy (temperature 0: the three copies of
 * a model decode the same tokens) and sampled (each copy an independent sample of its own seed), on the bundled
 * models' held-out suite, each a batch job on the DJL engine; paired per question, and how often the copies of one
 * model at level 1 disagree.
 */
final class SamplingBench implements Bench.Runner {

    /** A run: its topology and the sampling list that overrides the topology's own. */
    private record Run(String name, String topology, String sampling) {}

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        long t0 = System.nanoTime();
        int n = o.integer("queries", 500);
        String temperature = o.string("temperature", "0.7");
        String topP = o.string("top-p", "0.95");
        String sampled = "{temperature: " + temperature + ", top_p: " + topP + "}";
        String greedy = "{temperature: 0}";
        List<Run> runs = List.of(
                new Run("dense, greedy", "dense-9-9-1", "[" + greedy + ", " + greedy + ", " + greedy + "]"),
                new Run("dense, sampled", "dense-9-9-1", "[" + sampled + ", " + greedy + ", " + greedy + "]"),
                new Run("tree, greedy", "tree-9-3-1", "[" + greedy + ", " + greedy + ", " + greedy + "]"),
                new Run("tree, sampled", "tree-9-3-1", "[" + sampled + ", " + greedy + ", " + greedy + "]"),
                new Run("self-moa, greedy", "self-moa", "[" + greedy + ", " + greedy + "]"),
                new Run("self-moa, sampled", "self-moa", "[" + sampled + ", " + greedy + "]"));
        Path dir = Files.createDirectories(Path.of(System.getProperty("moa.repo.root", "."), "target", "bench",
                "sampling"));
        Path input = BundledSuite.write(dir, n);
        Map<String, VariantMetrics> metrics = new LinkedHashMap<>();
        Map<String, Double> disagreement = new LinkedHashMap<>();
        for (Run r : runs) {
            Path outDir = dir.resolve(r.name().replaceAll("[^a-z]+", "-"));
            new BatchOutput(outDir.toString()).delete(); // a fresh run, not a resumed one
            long r0 = System.nanoTime();
            JobArgs args = JobArgs.bundledModels().set("mode", "batch").set("batch.input", input)
                    .set("batch.output", outDir).set("job_name", "sampling-" + r.topology()).set("parallelism", 1)
                    .set("default_topology", r.topology()).set("topologies." + r.topology() + ".sampling", r.sampling());
            JobConfig config = ConfigLoader.fromArgs(args.toArray());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1,
                    BenchFlink.configuration());
            MoaJob.build(env, config);
            env.execute(config.jobName());
            List<JsonNode> answers = VariantOutcome.readAnswers(VariantOutcome.gatherAnswers(outDir));
            VariantMetrics m = VariantMetrics.of(answers);
            metrics.put(r.name(), m);
            disagreement.put(r.name(), copiesDisagree(answers));
            System.out.printf(Locale.ROOT, "[sampling] %s: accuracy %.3f over %d, copies disagree on %.0f%% (%.0f s)%n",
                    r.name(), m.accuracy(), m.withGold(), 100 * disagreement.get(r.name()),
                    (System.nanoTime() - r0) / 1e9);
        }
        return report(metrics, disagreement, n, temperature, topP, (System.nanoTime() - t0) / 1e9);
    }

    /** Share of questions where two level-1 copies of one model extracted different answers. */
    static double copiesDisagree(List<JsonNode> answers) {
        int disagree = 0;
        for (JsonNode a : answers) {
            Map<String, Set<String>> byModel = new HashMap<>();
            for (JsonNode t : a.path("trace")) {
                if (t.path("level").asInt() == 1) {
                    byModel.computeIfAbsent(t.path("model").asText(), m -> new HashSet<>())
                            .add(t.path("extracted_answer").asText(""));
                }
            }
            if (byModel.values().stream().anyMatch(s -> s.size() > 1)) {
                disagree++;
            }
        }
        return answers.isEmpty() ? 0 : disagree / (double) answers.size();
    }

    private static BenchReport report(Map<String, VariantMetrics> metrics, Map<String, Double> disagreement, int n,
                                      String temperature, String topP, double wallS) throws Exception {
        BenchReport r = new BenchReport("sampling");
        r.md("# Benchmark `sampling`: greedy copies vs independent samples\n\n")
                .md("The bundled models on the DJL engine (CPU), batch mode, the first " + n + " questions of their "
                        + "held-out suite. *Greedy*: every level at temperature 0 (a model's copies decode the same "
                        + "tokens). *Sampled*: level 1 at temperature " + temperature + ", top_p " + topP + " (each copy "
                        + "its own seed, from its query and node), the aggregators greedy.\n\n")
                .md("| run | accuracy | level-1 copies disagree | p50 ms |\n|---|---:|---:|---:|\n");
        Map<String, Object> runs = new LinkedHashMap<>();
        for (Map.Entry<String, VariantMetrics> e : metrics.entrySet()) {
            VariantMetrics m = e.getValue();
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("accuracy", LoadReport.round(m.accuracy()));
            v.put("questions", m.withGold());
            v.put("copies_disagree_share", LoadReport.round(disagreement.get(e.getKey())));
            v.put("p50_ms", LoadReport.round(m.p50Ms()));
            runs.put(e.getKey(), v);
            r.md(String.format(Locale.ROOT, "| %s | %.1f %% | %.0f %% | %.0f |%n", e.getKey(), 100 * m.accuracy(),
                    100 * disagreement.get(e.getKey()), m.p50Ms()));
        }
        r.put("runs", runs);
        Map<String, Object> paired = new LinkedHashMap<>();
        r.md("\nPaired, sampled vs greedy (questions gained / lost, exact sign test):\n\n");
        for (String t : List.of("dense", "tree", "self-moa")) {
            VariantMetrics s = metrics.get(t + ", sampled");
            VariantMetrics g = metrics.get(t + ", greedy");
            VariantMetrics.Paired p = VariantMetrics.Paired.of(s.correct(), g.correct());
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("accuracy_delta_pp", LoadReport.round(100 * (s.accuracy() - g.accuracy())));
            pm.put("gained", p.gained());
            pm.put("lost", p.lost());
            pm.put("sign_test_p", LoadReport.round(p.signTestP()));
            paired.put(t, pm);
            r.md(String.format(Locale.ROOT, "- %s: %+.1f pp (+%d / −%d, p = %.2f)%n", t,
                    100 * (s.accuracy() - g.accuracy()), p.gained(), p.lost(), p.signTestP()));
        }
        VariantMetrics.Paired td = VariantMetrics.Paired.of(metrics.get("tree, sampled").correct(),
                metrics.get("dense, sampled").correct());
        r.md(String.format(Locale.ROOT, "- tree vs dense, both sampled: +%d / −%d (p = %.2f)%n", td.gained(), td.lost(),
                td.signTestP()));
        r.put("paired_sampled_vs_greedy", paired);
        r.put("temperature", Double.parseDouble(temperature));
        r.put("top_p", Double.parseDouble(topP));
        r.put("wall_s", LoadReport.round(wallS));
        r.md(String.format(Locale.ROOT, "%n%.0f s in all.%n", wallS));
        return r;
    }

}
