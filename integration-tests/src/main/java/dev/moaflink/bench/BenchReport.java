package dev.moaflink.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a benchmark's figures to {@code target/bench/NAME.json} and its human table to {@code NAME.md},
 * under the repository root and under {@code integration-tests/target/bench}.
 */
public final class BenchReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String name;
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final StringBuilder markdown = new StringBuilder();

    public BenchReport(String name) {
        this.name = name;
    }

    public BenchReport put(String key, Object value) {
        figures.put(key, value);
        return this;
    }

    public BenchReport md(String text) {
        markdown.append(text);
        return this;
    }

    public String markdownText() {
        return markdown.toString();
    }

    public Map<String, Object> figures() {
        return figures;
    }

    /** Writes both files to each directory; returns the first JSON path. */
    public Path write(Path repoRoot) throws IOException {
        Path first = null;
        for (Path dir : new Path[] {repoRoot.resolve("target/bench"), repoRoot.resolve("integration-tests/target/bench")}) {
            Files.createDirectories(dir);
            Path json = dir.resolve(name + ".json");
            JSON.writeValue(json.toFile(), figures);
            Files.writeString(dir.resolve(name + ".md"), markdown.toString());
            if (first == null) {
                first = json;
            }
        }
        return first;
    }
}
