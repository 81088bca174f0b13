package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads a running job's checkpoint statistics, restarts and failures from Flink's REST API (the MiniCluster's or a
 * cluster's), as an operator would watch it.
 */
final class FlinkRest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    FlinkRest(int port) {
        this.base = "http://localhost:" + port;
    }

    /** A free local port for a MiniCluster's REST endpoint. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The latest completed checkpoint and the counts so far.
     *
     * @param id            id of the latest completed checkpoint (-1: none yet)
     * @param stateBytes    its full state size
     * @param uploadedBytes what it wrote (smaller than the state with incremental checkpoints)
     * @param durationMs    its end-to-end duration
     */
    record Checkpoints(long completed, long failed, long id, long stateBytes, long uploadedBytes, long durationMs,
                       String lastFailure) {}

    Checkpoints checkpoints(String jobId) throws IOException, InterruptedException {
        JsonNode j = get("/jobs/" + jobId + "/checkpoints");
        JsonNode latest = j.path("latest").path("completed");
        JsonNode failed = j.path("latest").path("failed");
        return new Checkpoints(j.path("counts").path("completed").asLong(), j.path("counts").path("failed").asLong(),
                latest.isObject() ? latest.path("id").asLong() : -1, latest.path("state_size").asLong(),
                latest.path("checkpointed_size").asLong(latest.path("state_size").asLong()),
                latest.path("end_to_end_duration").asLong(),
                failed.isObject() ? failed.path("failure_message").asText("") : "");
    }

    /** One completed checkpoint of the history the REST API keeps (the last ten by default). */
    record Completed(long id, long stateBytes, long uploadedBytes, long durationMs, long triggeredAtMs) {}

    /** The completed checkpoints of the job's recent history, oldest first. */
    java.util.List<Completed> history(String jobId) throws IOException, InterruptedException {
        java.util.List<Completed> out = new java.util.ArrayList<>();
        for (JsonNode c : get("/jobs/" + jobId + "/checkpoints").path("history")) {
            if ("COMPLETED".equals(c.path("status").asText())) {
                out.add(new Completed(c.path("id").asLong(), c.path("state_size").asLong(),
                        c.path("checkpointed_size").asLong(c.path("state_size").asLong()),
                        c.path("end_to_end_duration").asLong(), c.path("trigger_timestamp").asLong()));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Completed::id));
        return out;
    }

    /** Restarts of the job so far (Flink's job metric {@code numRestarts}). */
    long restarts(String jobId) throws IOException, InterruptedException {
        for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            return m.path("value").asLong();
        }
        return 0;
    }

    /** The root exception of the job's latest failure, or "" when it has none. */
    String rootException(String jobId) throws IOException, InterruptedException {
        JsonNode j = get("/jobs/" + jobId + "/exceptions");
        String root = j.path("root-exception").asText("");
        if (root.isEmpty() && j.path("exceptionHistory").path("entries").size() > 0) {
            root = j.path("exceptionHistory").path("entries").get(0).path("stacktrace").asText("");
        }
        return root;
    }

    /**
     * The operator metrics of every subtask of the job whose names end with one of {@code suffixes} (histograms
     * appear as {@code name_p50}, {@code name_p99}, {@code name_count}...), by their REST id
     * ({@code subtask.operator.name}).
     */
    java.util.Map<String, Double> operatorMetrics(String jobId, String... suffixes)
            throws IOException, InterruptedException {
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            String vertex = "/jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/metrics";
            java.util.List<String> ids = new java.util.ArrayList<>();
            for (JsonNode m : get(vertex)) {
                String id = m.path("id").asText();
                for (String suffix : suffixes) {
                    if (id.endsWith(suffix)) {
                        ids.add(id);
                    }
                }
            }
            if (!ids.isEmpty()) {
                for (JsonNode m : get(vertex + "?get=" + String.join(",", ids))) {
                    out.put(m.path("id").asText(), m.path("value").asDouble());
                }
            }
        }
        return out;
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
