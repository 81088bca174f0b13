package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads JSON-lines query files (the format batch mode reads) into Avro {@link Query} records. */
public final class QueryFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryFiles() {}

    public static List<Query> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Writes {@code queries} as JSON lines in the format {@link #read} and batch mode read (submitted_at left out). */
    public static void write(Path file, List<Query> queries) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        try (java.io.BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Query q : queries) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("id", q.getId());
                m.put("text", q.getText());
                m.put("choices", q.getChoices());
                m.put("task_type", q.getTaskType().name().toLowerCase(Locale.ROOT));
                m.put("gold", q.getGold());
                if (q.getTopology() != null) {
                    m.put("topology", q.getTopology());
                }
                w.write(JSON.writeValueAsString(m));
                w.write('\n');
            }
        }
    }

    /** Where the demo's sample queries live: 20 held-out questions of the bundled models' task suite (moa-models). */
    static final String SAMPLES = "/dev/moaflink/models/demo-queries.jsonl";

    /** The demo's bundled sample queries. */
    public static List<Query> samples() {
        try (InputStream in = QueryFiles.class.getResourceAsStream(SAMPLES)) {
            if (in == null) {
                throw new IllegalStateException(SAMPLES + " is not on the classpath (module moa-models)");
            }
            return read(in, SAMPLES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Query> read(InputStream in, String source) throws IOException {
        List<Query> queries = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        JsonLines.read(reader, (n, q) -> {
            List<String> choices = new ArrayList<>();
            q.path("choices").forEach(c -> choices.add(c.asText()));
            queries.add(Query.newBuilder()
                    .setId(q.path("id").asText())
                    .setText(q.path("text").asText())
                    .setChoices(choices)
                    .setTaskType(TaskType.valueOf(q.path("task_type").asText("free_text").toUpperCase(Locale.ROOT)))
                    .setGold(q.hasNonNull("gold") ? q.get("gold").asText() : null)
                    .setTopology(q.hasNonNull("topology") ? q.get("topology").asText() : null)
                    .setSubmittedAt(Instant.now())
                    .build());
            return true;
        }, (n, e) -> new IOException(source + ":" + n + ": not valid JSON: " + e.getMessage(), e));
        return queries;
    }
}
