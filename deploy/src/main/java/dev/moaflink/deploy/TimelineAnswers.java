package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.batch.BatchOutput;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The answers a timeline draws: from a JSON-lines answers file, or from a batch run's output directory (its committed
 * answer files).
 */
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
        List<Path> files = Files.isDirectory(input) ? new BatchOutput(input.toString()).committedAnswers().stream()
                .map(p -> Path.of(p.toUri())).toList() : List.of(input);
        for (Path file : files) {
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                JsonLines.read(r, (n, a) -> {
                    if (!a.has("query_id") || !a.path("trace").isArray()) {
                        throw new IllegalArgumentException(file + " line " + n + " is not an answer with a trace");
                    }
                    if (ids == null || ids.contains(a.get("query_id").asText())) {
                        answers.add(a);
                    }
                    return answers.size() < limit;
                }, (n, e) -> new IllegalArgumentException(file + " line " + n + " is not JSON: " + e.getMessage()));
            }
            if (answers.size() >= limit) {
                break;
            }
        }
        return answers;
    }
}
