package dev.moaflink.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.bench.JobArgs;
import dev.moaflink.bench.SyntheticQueries;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job's metrics as an operator sees them: the streaming job on a MiniCluster whose TaskManager runs Flink's
 * Prometheus reporter, queries through a real broker, then the reporter's HTTP endpoint scraped and its numbers
 * checked against what was sent: answers per topology, nodes per model and agent by outcome (with early exit and
 * aggregator bypass on, so every outcome occurs), phase histograms per model, dead letters by kind; and every
 * metric the bundled Grafana dashboard queries is exported.
 */
@Timeout(240)
class MetricsIT {

    private static final Prometheus PROMETHEUS = new Prometheus();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(PROMETHEUS.reporter())
            .build());

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();


    @Test
    void prometheusExportsPerModelPerAgentAndPerTopologyMetrics() throws Exception {
        Topics topics = Topics.fresh(BROKER.kafka());
        String queries = topics.queries();
        String answers = topics.answers();
        JobArgs args = JobArgs.kafka(BROKER.kafka().bootstrapServers(), queries, answers, topics.dead()).virtualTime()
                .set("parallelism", 2).set("checkpoint_interval_ms", 300)
                .set("default_topology", "tree-9-3-1")
                .set("mechanisms.overlap", true).set("mechanisms.early_exit.enabled", true)
                .set("mechanisms.early_exit.similarity", "answer")
                .set("mechanisms.bypass_threshold", 0.67);
        JobClient job = TestJobs.start(args);
        int n = 40;
        try {
            List<Query> sent = SyntheticQueries.generate(n, 11, "m-");
            KafkaConnection c = KafkaConnection.of(BROKER.kafka().bootstrapServers());
            try (QueryProducer p = new QueryProducer(c, queries)) {
                sent.forEach(p::send);
                p.sendRaw("garbage", "not avro".getBytes(StandardCharsets.UTF_8));
                p.flush();
            }
            List<Answer> got;
            try (AnswerReader<Answer> r = new AnswerReader<>(c, answers, Answer.class)) {
                got = r.read(n, Duration.ofMinutes(2), a -> { });
            }
            assertEquals(n, got.size());

            Prometheus.Metrics m = PROMETHEUS.scrapeUntil(ms -> ms.sum("answers") >= n, Duration.ofSeconds(30));
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/metrics-it-scrape.txt"), m.text());
            assertEquals(n, m.sum("answers", "topology", "tree-9-3-1"));
            long degraded = got.stream().filter(Answer::getDegraded).count();
            long bypassed = got.stream().filter(Answer::getAggregatorBypassed).count();
            assertEquals(degraded, m.sum("answersDegraded"));
            assertEquals(bypassed, m.sum("answersAggregatorBypassed"));

            // nodes by outcome, per model and per agent, equal the traces' statuses
            Map<String, Long> fromTraces = new TreeMap<>();
            got.forEach(a -> a.getTrace().forEach(t -> fromTraces.merge(t.getModel() + " " + (t.getBypassed()
                    ? "Bypassed" : camel(t.getStatus().name())), 1L, Long::sum)));
            Map<String, Long> fromMetrics = new TreeMap<>();
            for (String model : List.of("expert-small", "expert-medium", "expert-large", "aggregator")) {
                for (String o : List.of("Ran", "Cancelled", "Skipped", "Bypassed", "Failed")) {
                    long v = m.sum("nodes" + o, "model", model);
                    if (v > 0) {
                        fromMetrics.put(model + " " + o, v);
                    }
                }
            }
            assertEquals(fromTraces, fromMetrics);
            assertTrue(fromMetrics.keySet().stream().anyMatch(k -> k.endsWith("Cancelled")), fromMetrics.toString());
            assertTrue(m.sum("answersWithEarlyExit") > 0);
            long agentNodes = 0;
            for (String o : List.of("Ran", "Cancelled", "Skipped", "Bypassed", "Failed")) {
                agentNodes += m.sum("node" + o);
            }
            assertEquals(13L * n, agentNodes, "every node of every answer counted once per agent");
            assertTrue(m.sum("nodeRan", "agent", "L1.0") > 0);
            assertTrue(m.has("nodeLatencyMs", "agent", "L2.1"), "per-agent latency histogram");

            // engine-side, per model: calls the engines ran, their phase histograms and token counters
            for (String model : List.of("expert-small", "expert-medium", "expert-large")) {
                long ran = m.sum("callsRan", "model", model);
                assertTrue(ran > 0, model);
                assertEquals(ran + m.sum("callsCancelled", "model", model), m.sum("callMs_count", "model", model),
                        model + ": one callMs sample per call that ran");
                assertTrue(m.has("decodeMs", "model", model) && m.has("queueMs", "model", model), model);
                assertTrue(m.sum("outputTokens", "model", model) > 0, model);
                assertTrue(m.has("outputTokensPerSecond", "model", model), model);
                assertEquals(0, m.sum("callsInFlight", "model", model), model + ": nothing in flight at the end");
            }
            assertEquals(1, m.sum("queriesDeadLettered"));
            assertEquals(1, m.sum("MALFORMED_AVRO"));

            // the Grafana dashboard only queries metrics that exist
            String dashboard = Files.readString(Path.of(System.getProperty("moa.repo.root", ".."))
                    .resolve("deploy/grafana/moa-dashboard.json"));
            Matcher used = Pattern.compile("flink_taskmanager_job_task_operator_[A-Za-z0-9_]+").matcher(dashboard);
            List<String> missing = new ArrayList<>();
            int checked = 0;
            while (used.find()) {
                checked++;
                boolean prefix = used.group().endsWith("_"); // a name regex such as deadLetters_.*
                if (prefix ? !m.text().contains(used.group())
                        : !m.text().contains(used.group() + "{") && !m.text().contains(used.group() + " ")) {
                    missing.add(used.group());
                }
            }
            assertTrue(checked >= 10, "the dashboard queries " + checked + " metrics");
            assertEquals(List.of(), missing, "dashboard metrics the job does not export");
        } finally {
            job.cancel().get();
        }
    }

    private static String camel(String status) {
        return status.charAt(0) + status.substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
