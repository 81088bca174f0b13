package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.deploy.QueryFiles;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The {@code faster-moa} variants on the simulated engine: each a batch job in <b>virtual time</b> (nothing sleeps;
 * latency is the modelled critical path) over the same synthetic queries with gold answers. In virtual time queries
 * do not queue behind each other, so the variants can run one after the other.
 */
final class SimulatedRuns {

    /**
     * Context tokens whose KV cache weighs as much as the weights, for the sim presets' model classes (bf16, GQA with
     * 8 KV heads of 128): 4B-class 8 GB / 144 KiB a token, 8B-class 16 GB / 144 KiB, 32B-class 64 GB / 256 KiB.
     */
    private static final Map<String, String> KV_WEIGHT_TOKENS = Map.of("expert-small", "55000", "expert-medium", "110000",
            "expert-large", "250000", "aggregator", "110000");

    private SimulatedRuns() {}

    /** The overrides of a {@code -shared} engine: each model's sessions of a query share one GPU. */
    static List<String[]> sharedGpu() {
        List<String[]> out = new ArrayList<>();
        new TreeMap<>(KV_WEIGHT_TOKENS).forEach((model, tokens) -> {
            out.add(new String[] {"models." + model + ".options.shared_gpu", "'true'"});
            out.add(new String[] {"models." + model + ".options.kv_weight_tokens", "'" + tokens + "'"});
        });
        return out;
    }

    /**
     * {@code engine}: sim (instruct-class profiles) or sim-reasoning (reasoning-class: long outputs), each with every
     * session on a GPU of its own, or with {@code -shared}: one GPU per model that a query's sessions share.
     */
    static EngineRun run(Path dir, String engine, List<Variant> variants, List<String[]> extra, int n, int seed)
            throws Exception {
        boolean shared = engine.endsWith("-shared");
        String preset = shared ? engine.substring(0, engine.length() - "-shared".length()) : engine;
        List<String[]> engineExtra = new ArrayList<>(shared ? sharedGpu() : List.of());
        engineExtra.addAll(extra);
        long t0 = System.nanoTime();
        Path input = dir.resolve(preset + "-queries.jsonl");
        QueryFiles.write(input, SyntheticQueries.generate(n, seed, "sim-"));
        List<VariantOutcome> outcomes = new ArrayList<>();
        for (Variant v : variants) {
            Path outDir = dir.resolve(engine + "-" + v.slug());
            new BatchOutput(outDir.toString()).delete(); // a fresh run, not a resumed one
            long v0 = System.nanoTime();
            System.out.printf("[faster-moa] %s (simulated, virtual time) %s: %d queries%n", engine, v.name(), n);
            try {
                JobArgs args = new JobArgs().set("preset", preset).virtualTime().set("mode", "batch")
                        .set("batch.input", input).set("batch.output", outDir)
                        .set("job_name", "faster-moa-" + engine + "-" + v.slug()).set("parallelism", 1)
                        .setAll(v.overrides()).setAll(engineExtra);
                JobConfig config = ConfigLoader.fromArgs(args.toArray());
                StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1,
                        BenchFlink.configuration());
                MoaJob.build(env, config);
                env.execute(config.jobName());
                Path out = VariantOutcome.gatherAnswers(outDir);
                List<JsonNode> answers = VariantOutcome.readAnswers(out);
                if (answers.size() != n) {
                    throw new IllegalStateException(answers.size() + " answers for " + n + " queries");
                }
                outcomes.add(new VariantOutcome(v, VariantMetrics.of(answers), seconds(v0), null, null, out));
            } catch (Exception | LinkageError e) {
                outcomes.add(VariantOutcome.failed(v, seconds(v0), e));
            }
            outcomes.get(outcomes.size() - 1).print(engine + " (simulated)");
        }
        String where = shared ? ", one GPU per model shared by a query's sessions" : ", a GPU per session";
        return new EngineRun(engine, true, n, (preset.equals("sim")
                ? "simulated engine, instruct-class profiles (--preset sim, time: virtual"
                : "simulated engine, reasoning-class profiles (--preset sim-reasoning, time: virtual") + where + ")",
                outcomes, seconds(t0));
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
