package dev.moaflink.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code faster-moa} targets, checked against one engine's figures in this run. */
final class FasterMoaTargets {

    /** A target checked against this run's figures; {@code met} null when it could not be computed. */
    record Check(String engine, String target, String variant, Double value, String limit, Boolean met, String note) {

        /** The check as the report's JSON writes it. */
        Map<String, Object> figures() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("variant", variant);
            m.put("value", value == null ? null : VariantMetrics.round(value, 4));
            m.put("limit", limit);
            m.put("met", met);
            if (note != null) {
                m.put("note", note);
            }
            return m;
        }
    }

    private FasterMoaTargets() {}

    /** The early-exit overhead on one engine, or null when the run lacks its two variants. */
    static Map<String, Object> earlyExitOverhead(EngineRun run) {
        VariantOutcome never = run.get("ee-never");
        VariantOutcome base = run.get("tree-overlap");
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
        VariantOutcome dense = run.get("dense");
        for (String slug : List.of("bypass-1", "bypass-067", "bypass-067-grouped")) {
            String name = switch (slug) {
                case "bypass-1" -> "+bypass T=1";
                case "bypass-067" -> "+bypass T=2/3";
                default -> "+bypass T=2/3, grouped tree";
            };
            VariantOutcome v = run.get(slug);
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
            VersusDense vs = VersusDense.of(v, dense);
            String note = vs.speedup() == null ? "p50 of 0 ms" : null;
            if (note == null && slug.equals("bypass-067-grouped") && !run.simulated()) {
                note = "deterministic decoding (temperature 0): a cluster's three copies of one model answer alike, "
                        + "so each cluster's vote is that model's answer and the root settles when the small and "
                        + "medium models agree";
            }
            out.add(new Check(e, speedTarget, name, vs.speedup(), speedLimit,
                    vs.speedup() == null ? null : vs.speedup() >= minSpeedup, note));
            if (vs.accuracyDeltaPp() == null) {
                out.add(new Check(e, accTarget, name, null, "within ±1 pp", null, "no gold answers"));
            } else {
                double d = vs.accuracyDeltaPp();
                VariantMetrics.Paired pd = vs.paired();
                out.add(new Check(e, accTarget + " (Δ in pp)", name, d, "within ±1", Math.abs(d) <= 1 + 1e-9,
                        String.format(Locale.ROOT, "paired: +%d / −%d questions, sign test p = %.2f", pd.gained(),
                                pd.lost(), pd.signTestP())));
            }
        }
        out.add(exposedPrefill(run));
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

    /** Overlap's target: tree+overlap exposes at most a fifth of the aggregator prefill that tree does. */
    private static Check exposedPrefill(EngineRun run) {
        String e = run.engine();
        VariantOutcome tree = run.get("tree");
        VariantOutcome overlap = run.get("tree-overlap");
        String target = "exposed prefill of tree+overlap ≤ 0.2 × tree's";
        if (tree == null || overlap == null) {
            return new Check(e, target, "tree+overlap", null, "≤ 0.2", null, "tree or tree+overlap missing");
        } else if (tree.metrics().exposedPrefillMs() <= 0) {
            return new Check(e, target, "tree+overlap", null, "≤ 0.2", overlap.metrics().exposedPrefillMs() <= 0,
                    "tree exposes no prefill");
        }
        double ratio = overlap.metrics().exposedPrefillMs() / tree.metrics().exposedPrefillMs();
        return new Check(e, target + " (ratio)", "tree+overlap", ratio, "≤ 0.2", ratio <= 0.2, null);
    }
}
