package dev.moaflink.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.bench.JobArgs;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.openai.server.OpenAiServer;
import dev.moaflink.openai.server.ServerStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on the {@code openai} backend: the bundled models served over HTTP by the project's OpenAI-compatible
 * server, in this JVM, and a tree of three experts and an aggregator run in batch mode against it, with the
 * prefill/decode overlap on (aggregator sessions open early and grow: the warm-ups' case). Greedy decoding makes the
 * answers comparable, node by node, with the same job on the in-process DJL engine.
 */
@Timeout(240)
class OpenAiBackendIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODELS = JobArgs.DEFAULT_MODELS;

    @TempDir
    Path dir;

    @Test
    void theJobOnTheOpenAiBackendAnswersAsOnTheDjlEngine() throws Exception {
        List<String> lines;
        try (var in = OpenAiBackendIT.class.getResourceAsStream("/dev/moaflink/models/suite-test.jsonl")) {
            assertNotNull(in, "suite-test.jsonl from moa-models");
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().limit(6).toList();
        }
        Path input = dir.resolve("queries.jsonl");
        Files.write(input, lines);

        Map<String, JsonNode> onDjl = run(input, "djl", "backend: djl, options: {path: \"classpath:dev/moaflink/models/%s\"}");
        Map<String, JsonNode> onOpenAi;
        try (OpenAiServer server = OpenAiServer.launch("--host", "127.0.0.1", "--port", "0")) {
            onOpenAi = run(input, "openai", "backend: openai, options: {base_url: \"" + server.baseUrl() + "\"}");
            ServerStats stats = server.stats();
            long streamed = stats.received().stream().filter(ServerStats.Received::stream).count();
            long warmups = stats.received().stream().filter(r -> !r.stream() && r.maxTokens() == 1).count();
            assertEquals(6 * 4, streamed, "one streamed generation per agent call");
            assertTrue(warmups >= 6, "every aggregator session, opened early, was warmed: " + warmups);
            assertEquals(0, stats.openSessions());
        }

        assertEquals(onDjl.keySet(), onOpenAi.keySet());
        for (String id : onDjl.keySet()) {
            JsonNode expected = onDjl.get(id);
            JsonNode actual = onOpenAi.get(id);
            assertTrue(!actual.get("simulated").asBoolean() && !actual.get("degraded").asBoolean(), actual.toString());
            assertEquals(expected.get("text"), actual.get("text"), id);
            assertEquals(expected.get("extracted_answer"), actual.get("extracted_answer"), id);
            assertEquals(4, actual.get("trace").size());
            for (int n = 0; n < 4; n++) {
                JsonNode e = expected.get("trace").get(n);
                JsonNode a = actual.get("trace").get(n);
                assertEquals("RAN", a.get("status").asText(), a.toString());
                assertEquals(e.get("node_id"), a.get("node_id"));
                assertTrue(a.get("output_tokens").asInt() > 0, a.toString());
                assertEquals(e.get("output_tokens"), a.get("output_tokens"), a.toString());
                assertEquals(e.get("prompt_tokens"), a.get("prompt_tokens"), "the server's usage: " + a);
                assertEquals(e.get("extracted_answer"), a.get("extracted_answer"), a.toString());
                assertEquals(e.get("confidence").asDouble(), a.get("confidence").asDouble(), 1e-4, a.toString());
                assertTrue(a.get("prefill_ms").asDouble() > 0 && a.get("first_token_ms").asDouble() > 0, a.toString());
            }
        }
    }

    /**
     * Runs the batch job with every model on {@code backend} ({@code model} a YAML mapping, {@code %s} the model's
     * name) and a tree of the three experts under the aggregator; returns the answers by query id.
     */
    private Map<String, JsonNode> run(Path input, String backend, String model) throws Exception {
        StringBuilder yaml = new StringBuilder("default_topology: tree-3-1\nmodels:\n");
        for (String m : MODELS) {
            yaml.append("  ").append(m).append(": {").append(model.formatted(m)).append("}\n");
        }
        yaml.append("topologies:\n  tree-3-1: {kind: tree, fan_in: 3, depth: 2, models: [[expert-small, "
                + "expert-medium, expert-large], [aggregator]]}\n");
        Path config = dir.resolve(backend + ".yaml");
        Files.writeString(config, yaml);
        Path output = dir.resolve("out/" + backend);
        JobConfig job = ConfigLoader.fromArgs(JobArgs.bundledModels().set("config", config).set("mode", "batch")
                .set("batch.input", input).set("batch.output", output).set("agent.max_tokens", 24)
                .set("mechanisms.overlap", true).set("agent.chunk_tokens", 4).toArray());
        job.models().values().forEach(m -> assertEquals(backend, m.backend()));
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MoaJob.build(env, job);
        env.execute("openai-backend-" + backend);
        Map<String, JsonNode> answers = new HashMap<>();
        for (String line : new BatchOutput(output.toString()).answerLines()) {
            JsonNode a = JSON.readTree(line);
            answers.put(a.get("query_id").asText(), a);
        }
        assertEquals(6, answers.size(), backend);
        return answers;
    }
}
