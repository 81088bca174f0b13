package dev.moaflink.job.batch;

import dev.moaflink.job.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The summary of a batch run's output directory: accuracy and latency overall, per task type, per topology and per
 * dataset (the query id's prefix before its first {@code /}, e.g. {@code gsm8k/test-17}); how many answers this run
 * wrote and how many an earlier run had, how many input queries were skipped because they had an answer, and how
 * many input lines were dead-lettered; whether any agent was simulated (then the report says so). Written by the job
 * as {@code summary.json} and {@code summary.md}.
 */
public record BatchReport(
        boolean simulated,
        long answeredThisRun,
        long answeredBefore,
        long skipped,
        long deadLetters,
        Group overall,
        Map<String, Group> byTaskType,
        Map<String, Group> byTopology,
        Map<String, Group> byDataset) {

    /**
     * @param accuracy correct ÷ queries with gold (null when none had gold)
     */
    public record Group(int answers, int withGold, int correct, Double accuracy, int degraded, double latencyP50Ms,
                        double latencyP95Ms, double latencyMeanMs) {}

    /** Summarises this run's answers and an earlier run's (already in the output directory). */
    static BatchReport of(List<ScoredAnswer> thisRun, List<ScoredAnswer> before, long skipped, long deadLetters) {
        List<ScoredAnswer> all = new ArrayList<>(before);
        all.addAll(thisRun);
        boolean simulated = all.stream().anyMatch(ScoredAnswer::simulated);
        return new BatchReport(simulated, thisRun.size(), before.size(), skipped, deadLetters, group(all),
                groups(all, ScoredAnswer::taskType), groups(all, ScoredAnswer::topology),
                groups(all, ScoredAnswer::dataset));
    }

    /** Reads the summary a batch run wrote into {@code outputDirectory}. */
    public static BatchReport read(String outputDirectory) throws IOException {
        Path file = new BatchOutput(outputDirectory).summaryJson();
        try (var in = file.getFileSystem().open(file)) {
            return Json.MAPPER.readValue(in, BatchReport.class);
        }
    }

    private static Map<String, Group> groups(List<ScoredAnswer> answers, Function<ScoredAnswer, String> key) {
        Map<String, List<ScoredAnswer>> byKey = new TreeMap<>();
        for (ScoredAnswer a : answers) {
            String k = key.apply(a);
            if (k != null) {
                byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(a);
            }
        }
        Map<String, Group> groups = new LinkedHashMap<>();
        byKey.forEach((k, v) -> groups.put(k, group(v)));
        return groups;
    }

    private static Group group(List<ScoredAnswer> answers) {
        int withGold = 0;
        int correct = 0;
        int degraded = 0;
        double[] latencies = new double[answers.size()];
        double sum = 0;
        for (int i = 0; i < answers.size(); i++) {
            ScoredAnswer a = answers.get(i);
            if (a.correct() != null) {
                withGold++;
                correct += a.correct() ? 1 : 0;
            }
            degraded += a.degraded() ? 1 : 0;
            latencies[i] = a.latencyMs();
            sum += latencies[i];
        }
        Arrays.sort(latencies);
        return new Group(answers.size(), withGold, correct, withGold == 0 ? null : (double) correct / withGold, degraded,
                percentile(latencies, 0.50), percentile(latencies, 0.95),
                answers.isEmpty() ? 0 : sum / answers.size());
    }

    /** Nearest-rank percentile of sorted values (0 for none). */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Writes {@code summary.json} and {@code summary.md} into the output directory, replacing earlier ones. */
    void write(BatchOutput output) throws IOException {
        write(output.summaryJson(), Json.pretty(this));
        write(output.summaryMarkdown(), markdown());
    }

    private static void write(Path file, String text) throws IOException {
        try (OutputStream out = file.getFileSystem().create(file, FileSystem.WriteMode.OVERWRITE)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# Batch scoring report\n\n");
        if (simulated) {
            sb.append("**Simulated engine**: answers and latencies come from simulated models (cost and accuracy "
                    + "profiles), not real inference.\n\n");
        }
        sb.append(String.format(Locale.ROOT, "%d answers (%d by this run, %d by an earlier one); %d input queries "
                + "skipped as already answered; %d input lines dead-lettered.%n%n", overall.answers(), answeredThisRun,
                answeredBefore, skipped, deadLetters));
        sb.append("| group | answers | with gold | accuracy | degraded | p50 ms | p95 ms |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        row(sb, "all", overall);
        byTaskType.forEach((k, g) -> row(sb, "task " + k, g));
        byTopology.forEach((k, g) -> row(sb, "topology " + k, g));
        byDataset.forEach((k, g) -> row(sb, "dataset " + k, g));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Group g) {
        sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %d | %.1f | %.1f |%n", name, g.answers(),
                g.withGold(), g.accuracy() == null ? "–" : String.format(Locale.ROOT, "%.3f", g.accuracy()),
                g.degraded(), g.latencyP50Ms(), g.latencyP95Ms()));
    }
}
