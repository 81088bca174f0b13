package dev.moaflink.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.bench.JobArgs;
import dev.moaflink.bench.SyntheticQueries;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.schema.Query;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stops through Flink's operator coordinators, the path that reaches agent operators on other TaskManagers: the same
 * queries with {@code mechanisms.stop_path: coordinator} (every stop leaves the JVM through the JobManager) and with
 * {@code auto} (in the JVM) give the same answers and stop the same nodes, and no stop is lost on the way.
 *
 * <p>Per-model agents on the simulated engine in real time, a three-expert cluster under one aggregator with a settled
 * 2-of-3 bypass and early exit: the large expert decodes 40× slower than the others, so whether it is stopped depends
 * on the two fast answers alone, not on timing.
 */
@Timeout(300)
class StopPathIT {

    private static final Prometheus PROMETHEUS = new Prometheus();
    private static final String JM_COORDINATOR = "flink_jobmanager_job_operator_coordinator_";

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).setConfiguration(PROMETHEUS.reporter()).build());

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();


    @Test
    void stopsThroughTheCoordinatorsReachTheAgentsAndChangeNoAnswer() throws Exception {
        List<Query> queries = SyntheticQueries.generate(40, 5, "s-");
        Run remote = run("coordinator", queries);
        assertTrue(remote.remoteStops > 0, "stops went through the coordinators: " + remote);
        assertEquals(remote.remoteStops, remote.received, "every stop sent reached its agent: " + remote);
        assertEquals(0, remote.unroutable, "no stop found its agent gone");
        Run local = run("auto", queries);
        assertEquals(0, local.remoteStops, "beside the collector, stops stay in the JVM");

        assertEquals(local.statuses, remote.statuses, "the same nodes ran and were stopped");
        assertTrue(remote.statuses.values().stream().anyMatch(s -> s.contains("CANCELLED")),
                "some experts were stopped");
        assertEquals(local.answers, remote.answers);
    }

    /** What one run answered, the status of every node per query, and the stop path's counters. */
    private record Run(Map<String, String> answers, Map<String, String> statuses, long remoteStops, long received,
                       long unroutable) {}

    private Run run(String stopPath, List<Query> queries) throws Exception {
        Topics t = Topics.fresh(BROKER.kafka());
        JobArgs args = JobArgs.kafka(BROKER.kafka().bootstrapServers(), t.queries(), t.answers(), t.dead())
                .set("job_name", "stop-path-" + stopPath)
                .set("agent.layout", "per_model")
                .set("topologies.cluster3", "{kind: tree, fan_in: 3, depth: 2,"
                        + " models: [[expert-small, expert-medium, expert-large], [aggregator]]}")
                .set("default_topology", "cluster3")
                .set("mechanisms.stop_path", stopPath)
                .set("mechanisms.bypass_threshold", 0.67)
                .set("mechanisms.early_exit.enabled", true)
                .set("mechanisms.early_exit.similarity", "answer")
                .simOption("prefill_tps", "inf").simOption("overhead_ms", 0)
                .simOption("output_mean_tokens", 20).simOption("output_p95_tokens", 30)
                .set("models.expert-small.options.decode_tps", 2000)
                .set("models.expert-medium.options.decode_tps", 1000)
                .set("models.expert-large.options.decode_tps", 50)
                .set("models.aggregator.options.decode_tps", 2000);
        JobClient job = TestJobs.start(args);
        try {
            KafkaConnection c = KafkaConnection.of(BROKER.kafka().bootstrapServers());
            try (QueryProducer p = new QueryProducer(c, t.queries())) {
                queries.forEach(p::send);
                p.flush();
            }
            List<Answer> got;
            try (AnswerReader<Answer> r = new AnswerReader<>(c, t.answers(), Answer.class)) {
                got = r.read(queries.size(), Duration.ofMinutes(2), a -> { });
            }
            assertEquals(queries.size(), got.stream().map(Answer::getQueryId).distinct().count(),
                    stopPath + ": every query answered once");
            Map<String, String> answers = new TreeMap<>();
            Map<String, String> statuses = new TreeMap<>();
            for (Answer a : got) {
                answers.put(a.getQueryId(), String.valueOf(a.getExtractedAnswer()));
                StringBuilder s = new StringBuilder();
                for (AgentTrace n : a.getTrace()) {
                    s.append(n.getNodeId()).append('=').append(n.getStatus() == NodeStatus.SKIPPED && n.getBypassed()
                            ? "BYPASSED" : n.getStatus().name()).append(' ');
                }
                statuses.put(a.getQueryId(), s.toString().strip());
            }
            long sent = PROMETHEUS.scrape().sum("stopsRemote");
            Prometheus.Metrics m = PROMETHEUS.scrapeUntil(ms -> ms.sum("stopsReceived") >= sent,
                    Duration.ofSeconds(30));
            return new Run(answers, statuses, m.sum("stopsRemote"), m.sum("stopsReceived"),
                    m.sumOf(JM_COORDINATOR, "stopsUnroutable"));
        } finally {
            job.cancel().get();
        }
    }
}
