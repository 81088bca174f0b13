package dev.moaflink.bench;

import dev.moaflink.job.config.Variant;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * Serving under load, per engine ({@code djl}: the bundled tiny models, wall clock; {@code sim}: the simulated
 * engine in real time with GPU-class profiles scaled to this machine): latency against offered rate (open-loop
 * Poisson arrivals) for dense, tree and the full mechanism set, the highest rate each sustains under a p95 objective,
 * bursts with query-aware scheduling and without, prefill computed with prefix sharing and without, and an overload
 * at twice the sustainable rate on an exactly-once job. One MiniCluster and one in-JVM broker; one job at a time.
 */
final class LoadBench implements Bench.Runner {

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        long t0 = System.nanoTime();
        List<String> engines = Arrays.asList(o.string("engines", "djl,sim").split(","));
        double[] ladder = Arrays.stream(o.string("ladder", "0.3,0.6,0.85,1.0,1.15").split(","))
                .mapToDouble(Double::parseDouble).toArray();
        double objectiveFactor = Double.parseDouble(o.string("objective-factor", "5"));
        List<String> phases = Arrays.asList(o.string("phases", "ladder,bursts,prefix,overload").split(","));
        LoadPlan.Settings djl = new LoadPlan.Settings(ladder, o.integer("point-seconds", 8),
                o.integer("drain-seconds", 30), o.integer("warm-seconds", 6), o.integer("capacity-seconds", 12),
                o.integer("djl-in-flight", 16), o.integer("unloaded-queries", 8), 0, o.integer("burst-queries", 40),
                o.integer("bursts", 3), o.string("burst-variant", "tree"), o.integer("prefix-seconds", 10),
                Double.parseDouble(o.string("overload-factor", "2")), o.integer("overload-seconds", 40));
        LoadPlan.Settings sim = new LoadPlan.Settings(ladder, djl.pointSeconds(), djl.drainSeconds(),
                djl.warmSeconds(), djl.capacitySeconds(), o.integer("sim-in-flight", 48), djl.unloadedQueries(), 500,
                djl.burstQueries(), djl.bursts(), djl.burstVariant(), djl.prefixSeconds(), djl.overloadFactor(), djl.overloadSeconds());
        List<LoadReport.EngineResult> results = new ArrayList<>();
        MiniClusterConfiguration cluster = new MiniClusterConfiguration.Builder()
                .setConfiguration(BenchFlink.configuration()).setNumTaskManagers(1).setNumSlotsPerTaskManager(4)
                .build();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); MiniCluster flink = new MiniCluster(cluster)) {
            flink.start();
            for (String engine : engines) {
                switch (engine.strip()) {
                    case "djl" -> results.add(run("djl", JobArgs::bundledModels, djl, phases, kafka, flink));
                    case "sim" -> results.add(run("sim", SimServer::args, sim, phases, kafka, flink));
                    default -> throw new IllegalArgumentException("--engines takes djl and/or sim, not " + engine);
                }
            }
        }
        return new LoadReport(results, objectiveFactor, (System.nanoTime() - t0) / 1e9).build();
    }

    /** The phases named in {@code phases} (ladder, bursts, prefix, overload); those skipped report nothing. */
    private static LoadReport.EngineResult run(String engine, Supplier<JobArgs> base, LoadPlan.Settings s,
                                               List<String> phases, EmbeddedKafka kafka, MiniCluster flink) {
        LoadPlan plan = new LoadPlan(engine, base, s, kafka, flink);
        long seed = 1;
        List<LoadPlan.VariantRun> variants = new ArrayList<>();
        for (Variant v : LoadPlan.variants()) {
            variants.add(phases.contains("ladder") ? plan.ladder(v, seed) : LoadPlan.VariantRun.skipped(v.name()));
            seed++;
        }
        LoadPlan.BurstRun fifo = phases.contains("bursts") ? plan.bursts("fifo", seed) : LoadPlan.BurstRun.skipped();
        LoadPlan.BurstRun query = phases.contains("bursts") ? plan.bursts("query", seed + 1)
                : LoadPlan.BurstRun.skipped();
        double treeCapacity = variants.get(1).capacityPerS();
        double prefixRate = Double.isNaN(treeCapacity) ? 5 : 0.5 * treeCapacity;
        boolean prefix = phases.contains("prefix");
        LoadPlan.PrefixRun off = prefix ? plan.prefix(false, prefixRate, seed + 2) : LoadPlan.PrefixRun.skipped();
        LoadPlan.PrefixRun on = prefix ? plan.prefix(true, prefixRate, seed + 3) : LoadPlan.PrefixRun.skipped();
        double fullCapacity = variants.get(2).capacityPerS();
        LoadPlan.OverloadRun overload = phases.contains("overload")
                ? plan.overload(Double.isNaN(fullCapacity) ? 5 : fullCapacity, seed + 4) : LoadPlan.OverloadRun.skipped();
        return new LoadReport.EngineResult(engine, variants, fifo, query, off, on, overload);
    }
}
