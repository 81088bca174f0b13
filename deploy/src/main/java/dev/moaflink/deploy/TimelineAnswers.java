package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The answers a timeline draws, from an answers file (JSON lines, as batch mode writes them). */
final class TimelineAnswers {

    private TimelineAnswers() {}

    /**
     * The first {@code limit} answers of the file, or those whose id is in {@code ids}; reading stops at the limit,
     * so a large file is not read to its end. A line that is not an answer with a trace is an error.
     */
    static List<JsonNode> read(Path input, int limit, Set<String> ids) throws IOException {
        List<JsonNode> answers = new ArrayList<>();
        if (limit <= 0) {
            return answers;
        }
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            JsonLines.read(r, (n, a) -> {
                if (!a.has("query_id") || !a.path("trace").isArray()) {
                    throw new IllegalArgumentException(input + " line " + n + " is not an answer with a trace");
                }
                if (ids == null || ids.contains(a.get("query_id").asText())) {
                    answers.add(a);
                }
                return answers.size() < limit;
            }, (n, e) -> new IllegalArgumentException(input + " line " + n + " is not JSON: " + e.getMessage()));
        }
        return answers;
    }
}
