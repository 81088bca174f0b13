package dev.moaflink.job.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy and latency summary of a batch run, read back from the answers file: overall, per task type, per
 * topology and per dataset (the query id's prefix before its first {@code /}, as the dataset loaders name queries,
 * e.g. {@code gsm8k/test-17}), and whether any agent was simulated (then the report says so). Written as JSON and
 * as a Markdown table.
 */
public record BatchReport(
        boolean simulated,
        Group overall,
        Map<String, Group> byTaskType,
        Map<String, Group> byTopology,
        Map<String, Group> byDataset) {

    /**
     * @param accuracy correct ÷ queries with gold (null when none had gold)
     */
    public record Group(int answers, int withGold, int correct, Double accuracy, int degraded, double latencyP50Ms,
                        double latencyP95Ms, double latencyMeanMs) {}

    /** Reads an answers JSON-lines file (as written by batch mode) and summarises it. */
    public static BatchReport of(Path answersFile) throws IOException {
        List<JsonNode> answers = new ArrayList<>();
        for (String line : Files.readAllLines(answersFile, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                answers.add(Json.MAPPER.readTree(line));
            }
        }
        boolean simulated = answers.stream().anyMatch(a -> a.path("simulated").asBoolean(false));
        Map<String, List<JsonNode>> byType = new TreeMap<>();
        Map<String, List<JsonNode>> byTopology = new TreeMap<>();
        Map<String, List<JsonNode>> byDataset = new TreeMap<>();
        for (JsonNode a : answers) {
            String type = a.path("trace").isEmpty() ? "unknown" : taskTypeOf(a);
            byType.computeIfAbsent(type, k -> new ArrayList<>()).add(a);
            byTopology.computeIfAbsent(a.path("topology").asText(""), k -> new ArrayList<>()).add(a);
            String dataset = datasetOf(a.path("query_id").asText(""));
            if (dataset != null) {
                byDataset.computeIfAbsent(dataset, k -> new ArrayList<>()).add(a);
            }
        }
        return new BatchReport(simulated, group(answers), groups(byType), groups(byTopology), groups(byDataset));
    }

    /** The dataset a query id names: its prefix before the first {@code /}; null when it has none. */
    public static String datasetOf(String queryId) {
        int slash = queryId.indexOf('/');
        return slash > 0 ? queryId.substring(0, slash) : null;
    }

    private static Map<String, Group> groups(Map<String, List<JsonNode>> answers) {
        Map<String, Group> groups = new LinkedHashMap<>();
        answers.forEach((k, v) -> groups.put(k, group(v)));
        return groups;
    }

    private static String taskTypeOf(JsonNode answer) {
        return answer.path("task_type").asText("unknown").toLowerCase(Locale.ROOT);
    }

    private static Group group(List<JsonNode> answers) {
        int withGold = 0;
        int correct = 0;
        int degraded = 0;
        double[] latencies = new double[answers.size()];
        double sum = 0;
        for (int i = 0; i < answers.size(); i++) {
            JsonNode a = answers.get(i);
            if (!a.path("correct").isNull() && !a.path("correct").isMissingNode()) {
                withGold++;
                correct += a.path("correct").asBoolean() ? 1 : 0;
            }
            degraded += a.path("degraded").asBoolean() ? 1 : 0;
            latencies[i] = a.path("latency_ms").asDouble();
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

    /** Writes {@code file} (JSON) and the same name with {@code .md}. */
    public void write(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, Json.pretty(this));
        String md = file.getFileName().toString().replaceAll("\\.json$", "") + ".md";
        Files.writeString(file.resolveSibling(md), markdown());
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# Batch scoring report\n\n");
        if (simulated) {
            sb.append("**Simulated engine**: answers and latencies come from simulated models (cost and accuracy "
                    + "profiles), not real inference.\n\n");
        }
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
