package dev.moaflink.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code load} benchmark's JSON (per engine key: the contract fields and the curves) and markdown. */
final class LoadReport {

    /** Everything one engine's phases measured. */
    record EngineResult(String engine, List<LoadPlan.VariantRun> variants, LoadPlan.BurstRun fifo,
                        LoadPlan.BurstRun query, LoadPlan.PrefixRun prefixOff, LoadPlan.PrefixRun prefixOn,
                        LoadPlan.OverloadRun overload) {

        LoadPlan.VariantRun variant(String name) {
            return variants.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
        }
    }

    private final List<EngineResult> results;
    private final double objectiveFactor;
    private final double wallS;

    LoadReport(List<EngineResult> results, double objectiveFactor, double wallS) {
        this.results = results;
        this.objectiveFactor = objectiveFactor;
        this.wallS = wallS;
    }

    BenchReport build() throws Exception {
        BenchReport r = new BenchReport("load");
        r.md("# Benchmark `load`: serving under load\n\n")
                .md("Open-loop Poisson arrivals at a ladder of rates (fractions of each variant's capacity, measured "
                        + "by a closed loop), one job at a time on a MiniCluster with an in-JVM broker on this machine "
                        + "(2 cores). Latency is the job's (answered_at − submitted_at). Objectives: each variant's own, "
                        + fmt(objectiveFactor) + "× its unloaded p50; the common one, " + fmt(objectiveFactor)
                        + "× dense's unloaded p50. A variant's max rate under an objective is the highest achieved "
                        + "rate whose p95 meets it, interpolated toward the next ladder point to where p95 reaches "
                        + "the objective.\n\n");
        for (EngineResult e : results) {
            r.put(e.engine(), engine(e, r));
        }
        r.put("objective_factor", objectiveFactor);
        r.put("wall_s", round(wallS));
        LoadChart.draw(results, objectiveFactor);
        r.md(String.format(Locale.ROOT, "%nChart: `target/bench/load.png` (p95 latency against achieved rate per "
                + "variant and engine, the common objective dashed). %.0f s in all.%n", wallS));
        return r;
    }

    private Map<String, Object> engine(EngineResult e, BenchReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean sim = e.engine().equals("sim");
        double commonObjective = objectiveFactor * e.variant("dense").unloadedP50Ms();
        double denseRate = maxRate(e.variant("dense"), commonObjective);
        double fullRate = maxRate(e.variant("full"), commonObjective);
        double before = median(e.fifo(), true);
        double after = median(e.query(), true);
        m.put("burst_p50_over_makespan", round(median(e.query(), false)));
        m.put("burst_makespan_ratio", round(after / before));
        m.put("rate_ratio_full_vs_dense", round(fullRate / denseRate));
        m.put("l1_prefill_compute_ratio", round(computeRatio(e, 1)));
        m.put("overload_job_failed", e.overload().failure() != null);
        m.put("engine", sim ? "simulated engine in real time (GPU-class profiles scaled to this machine)"
                : "bundled tiny models, DJL engine (PyTorch, CPU), wall clock");
        m.put("simulated", sim);
        m.put("common_objective_ms", round(commonObjective));
        Map<String, Object> variants = new LinkedHashMap<>();
        r.md("## " + (sim ? "Simulated engine (real time)" : "DJL, bundled tiny models") + "\n\n")
                .md("| variant | unloaded p50 ms | capacity q/s | limited by | own objective ms | max rate, own "
                        + "objective | max rate, common objective |\n|---|---:|---:|---|---:|---:|---:|\n");
        for (LoadPlan.VariantRun v : e.variants()) {
            Map<String, Object> vm = new LinkedHashMap<>();
            double own = objectiveFactor * v.unloadedP50Ms();
            vm.put("unloaded_p50_ms", round(v.unloadedP50Ms()));
            vm.put("capacity_per_s", round(v.capacityPerS()));
            vm.put("sessions_waiting_at_capacity", v.waitingAtCapacity());
            vm.put("limited_by", v.bottleneck());
            vm.put("own_objective_ms", round(own));
            vm.put("max_rate_own_objective_per_s", round(maxRate(v, own)));
            vm.put("max_rate_common_objective_per_s", round(maxRate(v, commonObjective)));
            List<Map<String, Object>> points = new ArrayList<>();
            for (LoadDriver.RatePoint p : v.points()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("offered_per_s", round(p.offeredPerS()));
                pm.put("achieved_per_s", round(p.achievedPerS()));
                pm.put("p50_ms", round(p.p50Ms()));
                pm.put("p95_ms", round(p.p95Ms()));
                pm.put("p99_ms", round(p.p99Ms()));
                pm.put("mean_queries_in_flight", round(p.meanInFlight()));
                pm.put("sent", p.sent());
                pm.put("answered", p.answered());
                points.add(pm);
            }
            vm.put("points", points);
            vm.put("failure", v.failure());
            variants.put(v.name(), vm);
            r.md(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", v.name(), fmt(v.unloadedP50Ms()),
                    fmt(v.capacityPerS()), v.bottleneck().isEmpty() ? "—" : v.bottleneck(), fmt(own),
                    fmt(maxRate(v, own)), fmt(maxRate(v, commonObjective))));
        }
        m.put("variants", variants);
        r.md(String.format(Locale.ROOT, "%nFull ÷ dense at the common objective (%s ms): **%s×**.%n%n",
                fmt(commonObjective), fmt(fullRate / denseRate)));
        r.md("| variant | offered q/s | achieved q/s | p50 ms | p95 ms | p99 ms | queries in flight |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (LoadPlan.VariantRun v : e.variants()) {
            for (LoadDriver.RatePoint p : v.points()) {
                r.md(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", v.name(),
                        fmt(p.offeredPerS()), fmt(p.achievedPerS()), fmt(p.p50Ms()), fmt(p.p95Ms()), fmt(p.p99Ms()),
                        fmt(p.meanInFlight())));
            }
        }
        m.put("bursts", Map.of("fifo", bursts(e.fifo()), "query", bursts(e.query())));
        r.md(String.format(Locale.ROOT, "%nBursts of %d queries at once (%s variant, medians of %d): scheduling "
                        + "`fifo` p50 / makespan %s, makespan %s ms; `query` %s, makespan %s ms (ratio %s).%n%n",
                e.query().bursts().isEmpty() ? 0 : e.query().bursts().get(0).queries(), e.query().variant(),
                e.query().bursts().size(),
                fmt(median(e.fifo(), false)), fmt(before), fmt(median(e.query(), false)), fmt(after),
                fmt(after / before)));
        Map<String, Object> prefix = new LinkedHashMap<>();
        for (int level = 1; level <= 3; level++) {
            prefix.put("L" + level + "_compute_ratio", round(computeRatio(e, level)));
        }
        prefix.put("unloaded_p50_ms_sharing", round(e.prefixOn().unloadedP50Ms()));
        prefix.put("unloaded_p50_ms_no_sharing", round(e.prefixOff().unloadedP50Ms()));
        prefix.put("failure", e.prefixOn().failure() != null ? e.prefixOn().failure() : e.prefixOff().failure());
        m.put("prefix_sharing", prefix);
        r.md(String.format(Locale.ROOT, "Prefill computed per prompt token, prefix sharing ÷ none (tree-9-3-1): L1 %s, "
                        + "L2 %s, L3 %s; one query at a time p50 %s ms with sharing, %s ms without.%n%n",
                fmt(computeRatio(e, 1)), fmt(computeRatio(e, 2)), fmt(computeRatio(e, 3)),
                fmt(e.prefixOn().unloadedP50Ms()), fmt(e.prefixOff().unloadedP50Ms())));
        LoadPlan.OverloadRun o = e.overload();
        Map<String, Object> om = new LinkedHashMap<>();
        om.put("offered_per_s", round(o.offeredPerS()));
        om.put("seconds", o.seconds());
        om.put("sent", o.sent());
        om.put("answered", o.answered());
        om.put("lost", o.sent() - o.answered());
        om.put("duplicates", o.duplicates());
        om.put("p95_ms", round(o.p95Ms()));
        om.put("failure", o.failure());
        m.put("overload", om);
        r.md(String.format(Locale.ROOT, "Overload (full variant, exactly once, read_committed): %s queries/s for %s s; "
                        + "sent %d, answered %d, lost %d, duplicates %d, p95 %s ms; job %s.%n%n",
                fmt(o.offeredPerS()), fmt(o.seconds()), o.sent(), o.answered(), o.sent() - o.answered(),
                o.duplicates(), fmt(o.p95Ms()), o.failure() == null ? "up" : "failed: " + o.failure()));
        return m;
    }

    /**
     * The highest rate that meets {@code objectiveMs}: the highest achieved rate among ladder points whose p95 meets it
     * with every query answered, moved toward the next (failing) point to where the p95 between them, interpolated
     * linearly, reaches the objective. The ladder's steps are coarse, and a point just over the objective would
     * otherwise count as far below it.
     */
    static double maxRate(LoadPlan.VariantRun v, double objectiveMs) {
        List<LoadDriver.RatePoint> points = new ArrayList<>(v.points());
        points.sort(java.util.Comparator.comparingDouble(LoadDriver.RatePoint::achievedPerS));
        double best = 0;
        for (int i = 0; i < points.size(); i++) {
            LoadDriver.RatePoint p = points.get(i);
            if (!meets(p, objectiveMs)) {
                continue;
            }
            double rate = p.achievedPerS();
            if (i + 1 < points.size() && !meets(points.get(i + 1), objectiveMs)) {
                LoadDriver.RatePoint q = points.get(i + 1);
                double f = q.p95Ms() > p.p95Ms() ? (objectiveMs - p.p95Ms()) / (q.p95Ms() - p.p95Ms()) : 0;
                rate += Math.max(0, Math.min(1, f)) * (q.achievedPerS() - p.achievedPerS());
            }
            best = Math.max(best, rate);
        }
        return best;
    }

    private static boolean meets(LoadDriver.RatePoint p, double objectiveMs) {
        return p.p95Ms() <= objectiveMs && p.answered() == p.sent();
    }

    /** Prefill computed per prompt token at {@code level}, sharing ÷ none. */
    static double computeRatio(EngineResult e, int level) {
        return computedShare(e.prefixOn(), level) / computedShare(e.prefixOff(), level);
    }

    private static double computedShare(LoadPlan.PrefixRun run, int level) {
        long[] v = run.promptTokensByLevel().get(level);
        return v == null || v[0] == 0 ? Double.NaN : (v[0] - v[1]) / (double) v[0];
    }

    private static double median(LoadPlan.BurstRun run, boolean makespan) {
        double[] v = run.bursts().stream().mapToDouble(b -> makespan ? b.makespanMs() : b.p50OverMakespan()).toArray();
        return new Percentiles(v).p(0.5);
    }

    private static Map<String, Object> bursts(LoadPlan.BurstRun run) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> list = new ArrayList<>();
        for (LoadDriver.Burst b : run.bursts()) {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("queries", b.queries());
            bm.put("makespan_ms", round(b.makespanMs()));
            bm.put("p50_ms", round(b.p50Ms()));
            bm.put("p95_ms", round(b.p95Ms()));
            bm.put("p50_over_makespan", round(b.p50OverMakespan()));
            list.add(bm);
        }
        m.put("bursts", list);
        m.put("median_p50_over_makespan", round(median(run, false)));
        m.put("median_makespan_ms", round(median(run, true)));
        m.put("variant", run.variant());
        m.put("failure", run.failure() == null ? "" : run.failure());
        return m;
    }

    /** Three decimals; null (JSON null) for what could not be measured. */
    static Double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
    }

    private static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "—";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
