package dev.moaflink.bench;

import dev.moaflink.job.config.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code faster-moa} report: per engine every variant's figures against dense, the early-exit overhead and the
 * targets, as JSON (its field names are what tools read) and as markdown ({@link FasterMoaMarkdown}).
 */
final class FasterMoaReport {

    private FasterMoaReport() {}

    static BenchReport of(List<EngineRun> runs, List<Variant> variants, List<String[]> extra, double totalS,
                          List<String> timelines, String chart) {
        Map<String, Object> engines = new LinkedHashMap<>();
        Map<String, Map<String, Object>> overheads = new LinkedHashMap<>();
        Map<String, Object> targets = new LinkedHashMap<>();
        List<FasterMoaTargets.Check> allChecks = new ArrayList<>();
        FasterMoaMarkdown md = new FasterMoaMarkdown();
        md.intro(variants, extra, totalS);
        for (EngineRun run : runs) {
            md.engine(run);
            Map<String, Object> overhead = FasterMoaTargets.earlyExitOverhead(run);
            if (overhead != null) {
                overheads.put(run.engine(), overhead);
            }
            List<FasterMoaTargets.Check> checks = FasterMoaTargets.checks(run, overhead);
            allChecks.addAll(checks);
            targets.put(run.engine(), checks.stream().map(FasterMoaTargets.Check::figures).toList());
            engines.put(run.engine(), engine(run));
        }
        md.earlyExitOverhead(runs, overheads);
        md.targets(runs, allChecks);
        md.files(timelines, chart);

        return new BenchReport("faster-moa")
                .put("engines", engines)
                .put("early_exit_overhead", overheads)
                .put("targets", targets)
                .put("cores", Runtime.getRuntime().availableProcessors())
                .put("wall_s", VariantMetrics.round(totalS, 1))
                .put("timelines", timelines)
                .md(md.toString());
    }

    private static Map<String, Object> engine(EngineRun run) {
        VariantOutcome dense = run.get("dense");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (VariantOutcome oc : run.outcomes()) {
            rows.add(variant(oc, dense));
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("engine", run.description());
        e.put("simulated", run.simulated());
        e.put("queries", run.queries());
        e.put("wall_s", VariantMetrics.round(run.wallS(), 1));
        e.put("variants", rows);
        return e;
    }

    private static Map<String, Object> variant(VariantOutcome oc, VariantOutcome dense) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", oc.variant().name());
        row.put("slug", oc.variant().slug());
        row.put("overrides", oc.variant().describe());
        row.put("run_s", VariantMetrics.round(oc.wallS(), 1));
        if (oc.metrics() == null) {
            row.put("error", oc.error());
            return row;
        }
        VersusDense vs = VersusDense.of(oc, dense);
        row.putAll(oc.metrics().figures());
        row.put("speedup_vs_dense", vs.speedup() == null ? null : VariantMetrics.round(vs.speedup(), 3));
        row.put("accuracy_delta_pp", vs.accuracyDeltaPp() == null ? null
                : VariantMetrics.round(vs.accuracyDeltaPp(), 2));
        if (oc != dense && vs.paired() != null) {
            VariantMetrics.Paired pd = vs.paired();
            Map<String, Object> paired = new LinkedHashMap<>(); // in a fixed order, unlike Map.of's
            paired.put("gained", pd.gained());
            paired.put("lost", pd.lost());
            paired.put("sign_test_p", VariantMetrics.round(pd.signTestP(), 4));
            row.put("accuracy_vs_dense", paired);
        }
        if (oc.roundTripP50Ms() != null) {
            row.put("client_round_trip_p50_ms", VariantMetrics.round(oc.roundTripP50Ms(), 2));
        }
        row.put("answers_file", repoRelative(oc.answers()));
        return row;
    }

    private static String repoRelative(Path file) {
        Path root = Path.of(System.getProperty("moa.repo.root", ".")).toAbsolutePath();
        Path abs = file.toAbsolutePath();
        return abs.startsWith(root) ? root.relativize(abs).toString() : abs.toString();
    }
}
