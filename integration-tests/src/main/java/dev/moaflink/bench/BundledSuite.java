package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The bundled models' held-out question suite (module moa-models), as batch input and as questions by id. */
final class BundledSuite {

    private static final String SUITE = "/dev/moaflink/models/suite-test.jsonl";

    private BundledSuite() {}

    /** The suite's first {@code n} JSON lines. */
    static List<String> lines(int n) {
        try (InputStream in = BundledSuite.class.getResourceAsStream(SUITE)) {
            if (in == null) {
                throw new IllegalStateException(SUITE + " is not on the classpath (module moa-models)");
            }
            List<String> suite = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank()).toList();
            return suite.subList(0, Math.min(n, suite.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the first {@code n} questions to {@code dir/queries.jsonl}, a batch job's input. */
    static Path write(Path dir, int n) throws IOException {
        Path input = dir.resolve("queries.jsonl");
        Files.write(input, lines(n));
        return input;
    }

    /** The first {@code n} questions by id, in suite order (fields id, text, choices, task_type, gold, skill). */
    static Map<String, JsonNode> byId(int n) {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String line : lines(n)) {
            try {
                JsonNode q = json.readTree(line);
                out.put(q.path("id").asText(), q);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}
