package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** What one engine's traces in the {@code faster-moa} run show: the headroom, and each mechanism's mark. */
final class TraceFindings {

    private TraceFindings() {}

    /**
     * How far any variant could go on this run's profiles: dense's p50 over the p50 of the moment the first (and the
     * second) of a query's experts finished, from the dense run's own traces. A variant whose answer needs at least
     * one expert's (two experts') output cannot beat that ratio. Null when dense did not run.
     */
    static String headroom(EngineRun run) {
        VariantOutcome dense = run.get("dense");
        if (dense == null || dense.answers() == null || !Files.exists(dense.answers())) {
            return null;
        }
        List<Double> first = new ArrayList<>();
        List<Double> second = new ArrayList<>();
        List<JsonNode> answers;
        try {
            answers = VariantOutcome.readAnswers(dense.answers());
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
                Collections.sort(ends);
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
    static List<String> mechanismNotes(EngineRun run) {
        List<String> notes = new ArrayList<>();
        VariantOutcome tree = run.get("tree");
        VariantOutcome overlap = run.get("tree-overlap");
        if (tree != null && overlap != null) {
            double t = tree.metrics().exposedPrefillMs();
            double v = overlap.metrics().exposedPrefillMs();
            notes.add(String.format(Locale.ROOT, "overlap: exposed aggregator prefill %.1f ms per query with overlap vs "
                    + "%.1f ms without (%s)", v, t, t > 0 && v >= 0.95 * t
                    ? "not reduced: overlap had no effect in this run" : t > 0
                    ? String.format(Locale.ROOT, "%.0f%% of it", 100 * v / t) : "tree exposes none"));
        }
        for (String slug : List.of("tree-overlap-ee", "bypass-1", "bypass-067")) {
            VariantOutcome o = run.get(slug);
            if (o != null) {
                notes.add(String.format(Locale.ROOT, "early exit in %s: %.1f%% of nodes cancelled%s", o.variant().name(),
                        o.metrics().cancelRate() * 100, o.metrics().cancelRate() == 0
                                ? " (none: early exit had no effect in this run)" : ""));
            }
        }
        for (String slug : List.of("bypass-1", "bypass-067")) {
            VariantOutcome o = run.get(slug);
            if (o != null) {
                notes.add(String.format(Locale.ROOT, "bypass in %s: %.1f%% of aggregators bypassed, %.1f%% of answers "
                        + "from a bypassed root", o.variant().name(), o.metrics().bypassRate() * 100,
                        o.metrics().aggregatorBypassedShare() * 100));
            }
        }
        for (VariantOutcome o : run.outcomes()) {
            if (o.metrics() != null && o.metrics().degradedShare() > 0) {
                notes.add(String.format(Locale.ROOT, "%s: %.1f%% of answers degraded (a node failed or timed out)",
                        o.variant().name(), o.metrics().degradedShare() * 100));
            }
        }
        return notes;
    }
}
