package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One variant's outcome on one engine in the {@code faster-moa} benchmark; {@code error} set (and metrics null) when
 * its run failed.
 *
 * @param roundTripP50Ms the client's median round trip (live runs only)
 * @param answers        the variant's answers, one JSON line each
 */
record VariantOutcome(Variant variant, VariantMetrics metrics, double wallS, Double roundTripP50Ms, String error,
                      Path answers) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A failed run, its cause printed with the innermost cause named. */
    static VariantOutcome failed(Variant v, double wallS, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e == root ? String.valueOf(e) : e + " (cause: " + root + ")";
        System.out.println("[faster-moa] " + v.name() + " failed: " + message);
        e.printStackTrace(System.out);
        return new VariantOutcome(v, null, wallS, null, message, null);
    }

    /** The progress line of a finished run (nothing for a failed one). */
    void print(String engine) {
        if (metrics == null) {
            return;
        }
        VariantMetrics m = metrics;
        System.out.printf(Locale.ROOT, "[faster-moa] %s %s: p50 %.1f ms, p95 %.1f ms, accuracy %s, %.2f invocations, "
                + "exposed prefill %.1f ms, cancel %.1f%%, bypass %.1f%% (%.0f s)%n", engine, variant.name(),
                m.p50Ms(), m.p95Ms(), m.accuracy() == null ? "–" : String.format(Locale.ROOT, "%.3f", m.accuracy()),
                m.invocations(), m.exposedPrefillMs(), m.cancelRate() * 100, m.bypassRate() * 100, wallS);
    }

    /** Gathers a batch run's committed answers ({@code outputDir}) into one JSON-lines file; returns it. */
    static Path gatherAnswers(Path outputDir) throws IOException {
        Path file = outputDir.resolveSibling(outputDir.getFileName() + ".jsonl");
        Files.write(file, new BatchOutput(outputDir.toString()).answerLines());
        return file;
    }

    /** The answers of a JSON-lines file, blank lines skipped. */
    static List<JsonNode> readAnswers(Path file) throws IOException {
        List<JsonNode> answers = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                answers.add(JSON.readTree(line));
            }
        }
        return answers;
    }

    static void writeAnswers(Path file, List<JsonNode> answers) throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonNode a : answers) {
            lines.add(JSON.writeValueAsString(a));
        }
        Files.write(file, lines);
    }
}
