package dev.moaflink.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.bench.JobArgs;
import dev.moaflink.bench.SyntheticQueries;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The streaming job end to end on a real in-JVM KRaft broker and a Flink MiniCluster: every query answered
 * exactly once (read_committed), every trace complete, bad records dead-lettered while the job goes on.
 */
@Timeout(300)
class KafkaPipelineIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();


    private static JobArgs args(Topics t) {
        return JobArgs.kafka(BROKER.kafka().bootstrapServers(), t.queries(), t.answers(), t.dead())
                .set("parallelism", 2)
                .set("checkpoint_interval_ms", 300);
    }

    private static void produce(Topics t, List<Query> queries) {
        try (QueryProducer p = new QueryProducer(KafkaConnection.of(BROKER.kafka().bootstrapServers()), t.queries())) {
            queries.forEach(p::send);
            p.flush();
        }
    }

    private static List<Answer> readAnswers(Topics t, int expected) {
        try (AnswerReader<Answer> r = new AnswerReader<>(KafkaConnection.of(BROKER.kafka().bootstrapServers()), t.answers(),
                Answer.class)) {
            List<Answer> answers = new java.util.ArrayList<>(r.read(expected, Duration.ofMinutes(3), a -> { }));
            answers.addAll(r.drain(Duration.ofSeconds(2))); // anything beyond the expected count is a duplicate
            return answers;
        }
    }

    private static void assertExactlyOnceWithCompleteTraces(List<Query> queries, List<Answer> answers,
                                                           int[] nodesPerLevel) {
        assertEquals(queries.size(), answers.size(), "exactly one answer per query");
        Set<String> ids = answers.stream().map(Answer::getQueryId).collect(Collectors.toSet());
        assertEquals(queries.stream().map(Query::getId).collect(Collectors.toSet()), ids, "no query lost or duplicated");
        int total = java.util.Arrays.stream(nodesPerLevel).sum();
        for (Answer a : answers) {
            assertEquals(total, a.getTrace().size(), "complete trace for " + a.getQueryId());
            Map<Integer, Long> levels = new TreeMap<>(a.getTrace().stream()
                    .collect(Collectors.groupingBy(AgentTrace::getLevel, Collectors.counting())));
            for (int l = 0; l < nodesPerLevel.length; l++) {
                assertEquals(nodesPerLevel[l], levels.get(l + 1).intValue(), "level " + (l + 1) + " of " + a.getQueryId());
            }
            Set<String> nodeIds = new HashSet<>();
            for (AgentTrace t : a.getTrace()) {
                assertEquals(NodeStatus.RAN, t.getStatus(), a.getQueryId() + " " + t.getNodeId());
                assertTrue(nodeIds.add(t.getNodeId()), "node traced once: " + t.getNodeId());
                assertTrue(t.getOutputTokens() > 0);
                assertTrue(t.getEndOffsetMs() >= t.getStartOffsetMs());
            }
            assertTrue(a.getSimulated());
            assertNotNull(a.getCorrect(), "queries had gold answers");
            assertTrue(a.getLatencyMs() > 0);
        }
    }

    @Test
    void treeTopology500QueriesInExactly500AnswersOut() throws Exception {
        Topics t = Topics.fresh(BROKER.kafka());
        // Real-time simulated engines (fast profile) so completions arrive on engine threads via the mailbox.
        JobClient job = TestJobs.start(args(t).set("default_topology", "tree-9-3-1")
                .simOption("decode_tps", 2000).simOption("prefill_tps", 50000).simOption("overhead_ms", 1)
                .simOption("output_mean_tokens", 24).simOption("output_p95_tokens", 48));
        try {
            List<Query> queries = SyntheticQueries.generate(500, 1, "tree-");
            produce(t, queries);
            List<Answer> answers = readAnswers(t, queries.size());
            assertExactlyOnceWithCompleteTraces(queries, answers, new int[] {9, 3, 1});
            Answer any = answers.get(0);
            AgentTrace mid = any.getTrace().stream().filter(x -> x.getLevel() == 2).findFirst().orElseThrow();
            assertEquals(3, mid.getInputs().size(), "a tree aggregator reads only its own cluster");
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void denseTopology500QueriesInExactly500AnswersOut() throws Exception {
        Topics t = Topics.fresh(BROKER.kafka());
        // The per-model layout (one agent operator per level and model, as placement uses) on dense.
        JobClient job = TestJobs.start(args(t).set("default_topology", "dense-9-9-1").set("agent.layout", "per_model")
                .virtualTime()
                .simOption("output_mean_tokens", 24).simOption("output_p95_tokens", 48));
        try {
            List<Query> queries = SyntheticQueries.generate(500, 2, "dense-");
            produce(t, queries);
            List<Answer> answers = readAnswers(t, queries.size());
            assertExactlyOnceWithCompleteTraces(queries, answers, new int[] {9, 9, 1});
            AgentTrace mid = answers.get(0).getTrace().stream().filter(x -> x.getLevel() == 2).findFirst().orElseThrow();
            assertEquals(9, mid.getInputs().size(), "a dense aggregator reads the whole previous layer");
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void aMissingTopicStopsTheJobAtSubmissionWithItsName() {
        Topics t = Topics.fresh(BROKER.kafka());
        JobArgs args = JobArgs.kafka(BROKER.kafka().bootstrapServers(), t.queries(), "no-such-answers", t.dead());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> TestJobs.start(args));
        assertTrue(e.getMessage().contains("no-such-answers"), e.getMessage());
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumStopsTheJobAtSubmission() {
        Topics t = Topics.fresh(BROKER.kafka());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> TestJobs.start(args(t).set("kafka.transaction_timeout_ms", 1_000_000)));
        assertTrue(e.getMessage().contains("transaction.max.timeout.ms (900000)"), e.getMessage());
    }

    @Test
    void checkpointsThatFailUnderPressureAreRiddenOutABoundedNumberOfTimes() {
        Topics t = Topics.fresh(BROKER.kafka());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        MoaJob.build(env, ConfigLoader.fromArgs(args(t).toArray()));
        assertEquals(10, env.getCheckpointConfig().getTolerableCheckpointFailureNumber(), "the default");
        assertEquals(60_000, env.getCheckpointConfig().getCheckpointTimeout());
        StreamExecutionEnvironment strict = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        MoaJob.build(strict, ConfigLoader.fromArgs(args(t).set("checkpoint_tolerable_failures", 0)
                .set("checkpoint_timeout_ms", 5_000).toArray()));
        assertEquals(0, strict.getCheckpointConfig().getTolerableCheckpointFailureNumber());
        assertEquals(5_000, strict.getCheckpointConfig().getCheckpointTimeout());
    }

    @Test
    void malformedRecordsAreDeadLetteredAndTheJobKeepsAnswering() throws Exception {
        Topics t = Topics.fresh(BROKER.kafka());
        JobClient job = TestJobs.start(args(t).virtualTime().set("limits.max_prompt_tokens", 300));
        KafkaConnection c = KafkaConnection.of(BROKER.kafka().bootstrapServers());
        List<Query> before = SyntheticQueries.generate(10, 3, "before-");
        try (QueryProducer p = new QueryProducer(c, t.queries())) {
            before.forEach(p::send);
            p.sendRaw("garbage", "definitely not avro".getBytes(StandardCharsets.UTF_8));
            p.sendRaw("other-schema", dev.moaflink.connectors.kafka.AvroCodec.of(DeadLetter.class).encode(
                    DeadLetter.newBuilder().setKind("X").setReason("a record of another schema")
                            .setFailedAt(Instant.now()).build()));
            p.send(Query.newBuilder().setId("empty-text").setText("  ").setTaskType(TaskType.FREE_TEXT)
                    .setSubmittedAt(Instant.now()).build());
            p.send(Query.newBuilder().setId("bad-topology").setText("hi").setTopology("star-7")
                    .setTaskType(TaskType.FREE_TEXT).setSubmittedAt(Instant.now()).build());
            p.send(Query.newBuilder().setId("bad-profile").setText("hi").setProfile("h100-fast")
                    .setTaskType(TaskType.FREE_TEXT).setSubmittedAt(Instant.now()).build());
            p.send(Query.newBuilder().setId("too-long").setText("word ".repeat(400))
                    .setTaskType(TaskType.FREE_TEXT).setSubmittedAt(Instant.now()).build());
            p.flush();
            p.send(before.get(0)); // the same id again
            SyntheticQueries.generate(10, 4, "after-").forEach(p::send);
            p.flush();
        }
        try {
            List<Answer> answers = readAnswers(t, 20);
            assertEquals(20, answers.size(), "good records before and after the bad ones are all answered, once");
            try (AnswerReader<DeadLetter> r = new AnswerReader<>(c, t.dead(), DeadLetter.class)) {
                List<DeadLetter> dead = r.read(7, Duration.ofMinutes(1), d -> { });
                dead.addAll(r.drain(Duration.ofSeconds(2)));
                assertEquals(7, dead.size(), dead.toString());
                Map<String, DeadLetter> byKind = dead.stream().collect(Collectors.toMap(DeadLetter::getKind, d -> d));
                assertEquals(Set.of("MALFORMED_AVRO", "UNKNOWN_SCHEMA", "EMPTY_TEXT", "UNKNOWN_TOPOLOGY",
                        "UNKNOWN_PROFILE", "PROMPT_TOO_LONG", "DUPLICATE_ID"), byKind.keySet());
                DeadLetter garbage = byKind.get("MALFORMED_AVRO");
                assertEquals(t.queries(), garbage.getSourceTopic());
                assertTrue(garbage.getSourceOffset() >= 0 && garbage.getSourcePartition() >= 0);
                assertEquals("definitely not avro", StandardCharsets.UTF_8.decode(garbage.getPayload()).toString());
                assertEquals("bad-topology", byKind.get("UNKNOWN_TOPOLOGY").getQueryId());
                assertTrue(byKind.get("UNKNOWN_TOPOLOGY").getReason().contains("star-7"));
                assertEquals(before.get(0).getId(), byKind.get("DUPLICATE_ID").getQueryId());
                assertTrue(byKind.get("PROMPT_TOO_LONG").getReason().contains("max_prompt_tokens"));
            }
        } finally {
            job.cancel().get();
        }
    }
}
