package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What Mixture-of-Agents adds on the bundled models: each expert alone, their majority vote, dense 9-9-1, tree 9-3-1,
 * the tree with every mechanism (overlap, early exit, bypass at 2/3), and skill routing to the right specialist, on
 * the held-out suite, each a batch job on the DJL engine; accuracy per skill, paired sign tests, and what bypass saved
 * and lost. The experts alone and their vote are read from the tree run's level-1 traces (greedy copies of an expert
 * answer as the expert alone does: same prompt, same tokens).
 */
final class ModelsBench implements Bench.Runner {

    /** The routing table that sends each kind of question of the suite to its specialist (see the model cards). */
    static final String ROUTING = "[{skill: arithmetic, text_matches: '^(What is|Compute) [0-9]', experts: [expert-large]},"
            + " {skill: sequence, text_matches: 'comes next', experts: [expert-large]},"
            + " {skill: compare, text_matches: 'larger', experts: [expert-small]},"
            + " {skill: words, text_matches: '^(Which word|What does)', experts: [expert-medium]}]";

    private record Run(String name, List<String> flags) {}

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        long t0 = System.nanoTime();
        int n = o.integer("queries", 500);
        Map<String, Variant> ladder = new LinkedHashMap<>();
        Variant.standard("dense-9-9-1", "tree-9-3-1").forEach(v -> ladder.put(v.slug(), v));
        List<Run> runs = List.of(
                new Run("dense 9-9-1", ladder.get("dense").flags()),
                new Run("tree 9-3-1", ladder.get("tree").flags()),
                new Run("tree + overlap + early exit", ladder.get("tree-overlap-ee").flags()),
                new Run("all mechanisms (+ bypass T=2/3)", ladder.get("bypass-067").flags()),
                new Run("skill routing", List.of("--routing.skills", ROUTING, "--routing.k", "1")));
        Path dir = Files.createDirectories(Path.of(System.getProperty("moa.repo.root", "."), "target", "bench",
                "models"));
        Path input = BundledSuite.write(dir, n);
        Map<String, JsonNode> questions = BundledSuite.byId(n);
        Map<String, List<JsonNode>> answers = new LinkedHashMap<>();
        Map<String, Double> wall = new LinkedHashMap<>();
        for (Run r : runs) {
            long r0 = System.nanoTime();
            answers.put(r.name(), runBatch(r, dir, input));
            wall.put(r.name(), (System.nanoTime() - r0) / 1e9);
            System.out.printf(Locale.ROOT, "[models] %s: %d answers (%.0f s)%n", r.name(),
                    answers.get(r.name()).size(), wall.get(r.name()));
        }
        ModelsScores scores = ModelsScores.of(questions, answers, "tree 9-3-1");
        return ModelsReport.of(scores, n, wall, (System.nanoTime() - t0) / 1e9);
    }

    private static List<JsonNode> runBatch(Run r, Path dir, Path input) throws Exception {
        Path outDir = dir.resolve(r.name().replaceAll("[^a-z0-9]+", "-"));
        new BatchOutput(outDir.toString()).delete(); // a fresh run, not a resumed one
        JobArgs args = JobArgs.bundledModels().set("mode", "batch").set("batch.input", input)
                .set("batch.output", outDir).set("job_name", "models-" + outDir.getFileName()).set("parallelism", 1);
        List<String> all = new ArrayList<>(List.of(args.toArray()));
        all.addAll(r.flags());
        JobConfig config = ConfigLoader.fromArgs(all.toArray(String[]::new));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, BenchFlink.configuration());
        MoaJob.build(env, config);
        env.execute(config.jobName());
        return VariantOutcome.readAnswers(VariantOutcome.gatherAnswers(outDir));
    }
}
