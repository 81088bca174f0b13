package dev.moaflink.bench;

import dev.moaflink.job.config.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Faster-MoA's ablation (dense → tree → + prefill/decode overlap → + early exit) and MOSAIC's aggregator bypass, on
 * the same queries, in the same run, with the same engine. Every variant is one run of the job configured through
 * its normal configuration keys (topology and {@code mechanisms.*} overrides), so a mechanism the job does not yet
 * honour simply shows no effect.
 *
 * <ul>
 *   <li>{@code sim}, {@code sim-shared}, {@code sim-reasoning}, {@code sim-reasoning-shared}: GPU-class profiles in
 *       <b>virtual time</b>, batch jobs on synthetic queries with gold answers ({@link SimulatedRuns}).</li>
 *   <li>{@code djl}: the bundled tiny models on the DJL engine (CPU), streaming jobs side by side in a closed loop,
 *       one query in flight, on the first N held-out questions of their task suite ({@link LiveDjlRuns}).</li>
 * </ul>
 * Then the report ({@link FasterMoaReport}), timelines of a few queries and the speed-up chart.
 */
final class FasterMoaBench implements Bench.Runner {

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
                case "sim", "sim-reasoning", "sim-shared", "sim-reasoning-shared" -> runs.add(SimulatedRuns.run(dir,
                        e.strip(), variants, extra, e.strip().startsWith("sim-reasoning") ? reasoningQueries
                                : simQueries, seed));
                case "djl" -> runs.add(LiveDjlRuns.run(dir, variants, extra, djlQueries));
                default -> throw new IllegalArgumentException("unknown engine '" + e
                        + "'; known: sim, sim-shared, sim-reasoning, sim-reasoning-shared, djl");
            }
        }
        double totalS = (System.nanoTime() - t0) / 1e9;
        List<String> timelines = new ArrayList<>();
        for (EngineRun r : runs) {
            timelines.addAll(FasterMoaTimelines.draw(root, r, timelineQueries));
        }
        return FasterMoaReport.of(runs, variants, extra, totalS, timelines, FasterMoaChart.write(root, runs));
    }

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
}
