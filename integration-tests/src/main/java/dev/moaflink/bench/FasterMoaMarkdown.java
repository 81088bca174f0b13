package dev.moaflink.bench;

import dev.moaflink.job.config.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code faster-moa} report's markdown, section by section: the variants, per engine what ran, the table, paired
 * accuracy, headroom and mechanism notes; then the early-exit overhead, the targets and the files written.
 */
final class FasterMoaMarkdown {

    private static final String SHARED_NOTE = "**One GPU per model, shared by a query's sessions** (sim options "
            + "`shared_gpu: true` and `kv_weight_tokens` 55,000 / 110,000 / 250,000 / 110,000 tokens for the 4B / 8B "
            + "/ 32B-class experts and the 8B-class aggregator): prefills run one at a time on a model's GPU, and a "
            + "decode step takes (1 + context tokens decoding at once ÷ kv_weight_tokens) times as long, the KV cache "
            + "read beside the weights. A session sees the sessions booked before it (the job books them in start "
            + "order), not later ones, and a session later cut by early exit still counts to its end: both "
            + "understate contention, the second against the early-exit variants. ";

    private final StringBuilder md = new StringBuilder();

    @Override
    public String toString() {
        return md.toString();
    }

    void intro(List<Variant> variants, List<String[]> extra, double totalS) {
        md.append("# Benchmark `faster-moa`: dense vs tree, prefill/decode overlap, early exit, aggregator bypass\n\n");
        md.append(String.format(Locale.ROOT, "Every variant answers the same queries with the same engine in this run "
                + "(%d cores, %.0f s in all). A variant is the job configured through its own keys:%n%n",
                Runtime.getRuntime().availableProcessors(), totalS));
        for (Variant v : variants) {
            md.append("- `").append(v.name()).append("`: ").append(v.describe()).append('\n');
        }
        if (!extra.isEmpty()) {
            List<String> s = new ArrayList<>();
            extra.forEach(p -> s.add(p[0] + ": " + p[1]));
            md.append("\nEvery variant also sets: ").append(String.join(", ", s)).append('\n');
        }
        md.append("\nLatency percentiles are nearest-rank. Invocations: nodes that RAN per query; tokens: prompt "
                + "tokens prefilled and output tokens decoded per query by the nodes that called an engine; "
                + "prefill (L≥2): per query, summed over the aggregator nodes (level ≥ 2), all of it and the part "
                + "exposed after the last input arrived; cancel / skip rates over all nodes (skip: SKIPPED and not "
                + "bypassed); bypass rate over aggregator nodes; bypassed answers: the root aggregator was "
                + "bypassed.\n");
    }

    /** One engine's section: what ran, the table of variants, paired accuracy, headroom and mechanism notes. */
    void engine(EngineRun run) {
        md.append("\n## ").append(run.engine()).append(": ").append(run.description()).append("\n\n");
        md.append(run.simulated() ? simulatedSetup(run) : liveSetup(run));
        table(run);
        pairedAccuracy(run);
        String headroom = TraceFindings.headroom(run);
        if (headroom != null) {
            md.append('\n').append(headroom).append('\n');
        }
        List<String> notes = TraceFindings.mechanismNotes(run);
        if (!notes.isEmpty()) {
            md.append("\nWhat the traces show of each mechanism").append(tag(run)).append(":\n");
            String prefix = run.simulated() ? "- simulated: " : "- ";
            notes.forEach(n -> md.append(prefix).append(n).append('\n'));
        }
    }

    private static String simulatedSetup(EngineRun run) {
        boolean reasoning = run.engine().startsWith("sim-reasoning");
        boolean shared = run.engine().endsWith("-shared");
        return String.format(Locale.ROOT, "**Simulated engine, virtual time**: nothing ran on a GPU; "
                + "latencies are the modelled critical path of each query (the %s preset's GPU-class "
                + "profiles: expert-small / -medium / -large as 4B / 8B / 32B-class models at 90 / 60 / 35 "
                + "tokens/s, an 8B-class aggregator; %s). %d synthetic queries with gold answers (arithmetic "
                + "and multiple choice), batch mode on a MiniCluster; in virtual time no query waits for "
                + "another. %s%.0f s.%n%n", run.engine().replace("-shared", ""), reasoning
                        ? "reasoning-class outputs as in the Faster-MoA paper's Qwen3 4B/8B/32B setting: "
                        + "experts mean 3,000 tokens, p95 8,000; aggregators 1,500 / 4,000"
                        : "instruct-class outputs: experts mean 90 / 110 / 130 tokens, aggregators 80",
                run.queries(), shared ? SHARED_NOTE : "Every session has a GPU of its own (no contention). ",
                run.wallS());
    }

    private static String liveSetup(EngineRun run) {
        return String.format(Locale.ROOT, "The bundled tiny models on the DJL engine (CPU) on the first %d "
                + "held-out questions of their task suite (suite-test.jsonl). One streaming job per variant, side by "
                + "side on one MiniCluster and one in-JVM Kafka broker (at-least-once, no checkpoints, network buffers "
                + "flushed per record: buffer_timeout_ms 0); closed "
                + "loop: query i goes to every variant in turn (the order rotating with i), one query in flight "
                + "in the whole JVM, the next sent when its answer arrived, so drift during the run (JIT, the "
                + "machine's other load) touches all variants alike; one warm-up query per variant not "
                + "counted. Latency: wall clock from the producer's submitted_at to the answer; run s: the "
                + "variant's own queries incl. job start and warm-up. %.0f s.%n%n",
                run.queries(), run.wallS());
    }

    private void table(EngineRun run) {
        String tag = tag(run);
        VariantOutcome dense = run.get("dense");
        md.append("| variant | p50 ms | p95 ms | speed-up vs dense | accuracy | Δ acc vs dense (pp) | invocations "
                + "| prompt tok | output tok | exposed prefill ms (L≥2) | prefill ms (L≥2) | cancel | skip "
                + "| bypass | bypassed answers | run s |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (VariantOutcome oc : run.outcomes()) {
            if (oc.metrics() == null) {
                md.append("| ").append(oc.variant().name()).append(tag).append(" | failed: ")
                        .append(oc.error().replace('|', '/')).append(" |||||||||||||||\n");
                continue;
            }
            VariantMetrics m = oc.metrics();
            VersusDense vs = VersusDense.of(oc, dense);
            md.append(String.format(Locale.ROOT, "| %s%s | %.1f | %.1f | %s | %s | %s | %.2f | %.0f | %.1f | %.1f | "
                    + "%.1f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.0f |%n", oc.variant().name(), tag, m.p50Ms(),
                    m.p95Ms(), vs.speedup() == null ? "–" : String.format(Locale.ROOT, "%.2f×", vs.speedup()),
                    m.accuracy() == null ? "–" : String.format(Locale.ROOT, "%.1f%%", m.accuracy() * 100),
                    vs.accuracyDeltaPp() == null ? "–" : String.format(Locale.ROOT, "%+.1f", vs.accuracyDeltaPp()),
                    m.invocations(), m.promptTokens(), m.outputTokens(), m.exposedPrefillMs(),
                    m.aggregatorPrefillMs(), m.cancelRate() * 100, m.skipRate() * 100, m.bypassRate() * 100,
                    m.aggregatorBypassedShare() * 100, oc.wallS()));
        }
    }

    /** Accuracy's standard error, and each variant paired with dense question by question (same query ids). */
    private void pairedAccuracy(EngineRun run) {
        VariantOutcome dense = run.get("dense");
        if (dense == null || dense.metrics().accuracy() == null) {
            return;
        }
        double p = dense.metrics().accuracy();
        int n = dense.metrics().withGold();
        md.append(String.format(Locale.ROOT, "%nOne standard error of an accuracy near %.1f%% over %d "
                + "questions is %.1f pp%s. Paired with dense, question by question (right where dense was "
                + "wrong / wrong where dense was right; exact two-sided sign test):", p * 100, n,
                Math.sqrt(p * (1 - p) / Math.max(1, n)) * 100, tag(run)));
        for (VariantOutcome oc : run.outcomes()) {
            if (oc != dense && oc.metrics() != null && oc.metrics().accuracy() != null) {
                VariantMetrics.Paired pd = VersusDense.of(oc, dense).paired();
                md.append(String.format(Locale.ROOT, " %s +%d / −%d (p = %.2f);", oc.variant().name(),
                        pd.gained(), pd.lost(), pd.signTestP()));
            }
        }
        md.setLength(md.length() - 1);
        md.append(".\n");
    }

    void earlyExitOverhead(List<EngineRun> runs, Map<String, Map<String, Object>> overheads) {
        md.append("\n## Early-exit evaluation overhead\n\np50(early-exit-never) ÷ p50(tree+overlap) − 1, where "
                + "early-exit-never is tree+overlap+early-exit with `mechanisms.early_exit.threshold: 1.0`, so that Q "
                + "never reaches it and no sibling is cancelled: what evaluating Q costs.\n\n");
        if (overheads.isEmpty()) {
            md.append("Not computed: needs the variants tree+overlap and early-exit-never.\n");
        }
        for (Map.Entry<String, Map<String, Object>> e : overheads.entrySet()) {
            Map<String, Object> oh = e.getValue();
            long cancelled = (long) oh.get("cancelled_nodes_in_control");
            md.append(String.format(Locale.ROOT, "- %s%s: p50 %.1f ms vs %.1f ms → %+.2f%%, %d sibling cancellations in "
                    + "the control%s%n", e.getKey(), simulated(runs, e.getKey()) ? " (simulated, virtual time: the "
                    + "evaluation's own CPU time is not modelled)" : "", (double) oh.get("p50_ms_early_exit_never"),
                    (double) oh.get("p50_ms_tree_overlap"), (double) oh.get("overhead") * 100, cancelled,
                    cancelled > 0 ? " (the control did cancel: the threshold 1.0 was reached)" : ""));
        }
    }

    void targets(List<EngineRun> runs, List<FasterMoaTargets.Check> checks) {
        md.append("\n## Targets (computed from this run)\n\n| engine | target | variant | value | limit | met |\n"
                + "|---|---|---|---:|---|---|\n");
        for (FasterMoaTargets.Check c : checks) {
            md.append("| ").append(c.engine()).append(simulated(runs, c.engine()) ? " (simulated)" : "")
                    .append(" | ").append(c.target()).append(" | ").append(c.variant()).append(" | ")
                    .append(c.value() == null ? "–" : String.format(Locale.ROOT, "%.3f", c.value())).append(" | ")
                    .append(c.limit()).append(" | ")
                    .append(c.met() == null ? "not computed" : c.met() ? "**met**" : "**not met**")
                    .append(c.note() == null ? "" : " (" + c.note() + ")").append(" |\n");
        }
    }

    /** Where the answers, the timelines and the chart are. */
    void files(List<String> timelines, String chart) {
        md.append("\nAnswers of every variant: target/bench/faster-moa/<engine>-<variant>.jsonl");
        if (!timelines.isEmpty()) {
            md.append("; timelines: ").append(String.join(", ", timelines));
        }
        if (chart != null) {
            md.append("; chart (p50 speed-up over dense per variant and engine): ").append(chart);
        }
        md.append(".\n");
    }

    private static String tag(EngineRun run) {
        return run.simulated() ? " (simulated)" : "";
    }

    private static boolean simulated(List<EngineRun> runs, String engine) {
        return runs.stream().anyMatch(x -> x.engine().equals(engine) && x.simulated());
    }
}
