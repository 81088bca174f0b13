package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.NodeStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an operator checks of answers read back from a cluster: that each carries the whole trace of its topology,
 * how many nodes were stopped, and that they agree, query by query, with a reference run (batch mode's answers file).
 */
final class AnswerChecks {

    private AnswerChecks() {}

    /** Answers whose trace does not hold {@code nodes} nodes (a trace is complete when every node reported). */
    static List<String> incompleteTraces(List<Answer> answers, int nodes) {
        List<String> out = new ArrayList<>();
        for (Answer a : answers) {
            if (a.getTrace().size() != nodes) {
                out.add(a.getQueryId() + " (" + a.getTrace().size() + " nodes)");
            }
        }
        return out;
    }

    /** Nodes that were stopped (early exit, a settled vote) over all {@code answers}. */
    static long cancelledNodes(List<Answer> answers) {
        long n = 0;
        for (Answer a : answers) {
            for (AgentTrace t : a.getTrace()) {
                n += t.getStatus() == NodeStatus.CANCELLED ? 1 : 0;
            }
        }
        return n;
    }

    /** Writes the answers as JSON lines (Avro's JSON of each record). */
    static void write(List<Answer> answers, Path file) throws IOException {
        List<String> lines = new ArrayList<>(answers.size());
        answers.forEach(a -> lines.add(a.toString().replace('\n', ' ')));
        Files.write(file, lines);
    }

    /** Each query's extracted answer in a JSON-lines answers file (this tool's, or batch mode's). */
    static Map<String, String> extracted(Path fileOrBatchOutput) {
        Map<String, String> out = new TreeMap<>();
        List<Path> files = Files.isDirectory(fileOrBatchOutput)
                ? new BatchOutput(fileOrBatchOutput.toString()).committedAnswers().stream()
                        .map(p -> Path.of(p.toUri())).toList()
                : List.of(fileOrBatchOutput);
        for (Path file : files) {
            try (BufferedReader r = Files.newBufferedReader(file)) {
                JsonLines.read(r, (n, json) -> {
                    out.put(field(json, "query_id", "queryId"), field(json, "extracted_answer", "extractedAnswer"));
                    return true;
                }, (n, e) -> new IOException(file + " line " + n + " is not JSON: " + e.getMessage(), e));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper READER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /** The query id of an answer line (batch mode's JSON). */
    static String queryId(String line) throws IOException {
        return field(READER.readTree(line), "query_id", "queryId");
    }

    private static String field(JsonNode json, String snake, String camel) {
        JsonNode v = json.has(snake) ? json.get(snake) : json.path(camel);
        if (v.isObject() && v.size() == 1) {
            v = v.elements().next(); // Avro's JSON of a nullable string: {"string": "..."}
        }
        return v.isNull() || v.isMissingNode() ? null : v.asText();
    }

    /** The queries whose extracted answers differ between the two files (or that one of them lacks). */
    static List<String> differences(Map<String, String> answers, Map<String, String> reference) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : reference.entrySet()) {
            if (!answers.containsKey(e.getKey())) {
                out.add(e.getKey() + ": missing");
            } else if (!java.util.Objects.equals(answers.get(e.getKey()), e.getValue())) {
                out.add(e.getKey() + ": " + answers.get(e.getKey()) + " vs reference " + e.getValue());
            }
        }
        answers.keySet().stream().filter(id -> !reference.containsKey(id)).forEach(id -> out.add(id + ": extra"));
        return out;
    }
}
