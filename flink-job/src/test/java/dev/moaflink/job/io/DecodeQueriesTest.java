package dev.moaflink.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.RawRecord;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DecodeQueriesTest {

    private final QueryValidator validator = new QueryValidator(new JobConfig.Limits(64, 1000, 26, 100),
            Set.of("tree"), "tree");

    private static RawRecord raw(long offset, byte[] value) {
        return new RawRecord("queries", 1, offset, 1234L, "k".getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void goodRecordsPassAndBadOnesBecomeDeadLettersWithTheirOrigin() throws Exception {
        AvroCodec<Query> codec = AvroCodec.of(Query.class);
        byte[] good = codec.encode(Query.newBuilder().setId("q1").setText("2+2?").setTaskType(TaskType.NUMERIC)
                .setGold("4").setSubmittedAt(Instant.ofEpochMilli(99)).build());
        byte[] empty = codec.encode(Query.newBuilder().setId("q2").setText("").setTaskType(TaskType.FREE_TEXT)
                .setSubmittedAt(Instant.ofEpochMilli(99)).build());
        try (OneInputStreamOperatorTestHarness<RawRecord, QueryTask> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new DecodeQueries(validator))) {
            h.processElement(raw(10, good), 0);
            h.processElement(raw(11, "junk".getBytes(StandardCharsets.UTF_8)), 0);
            h.processElement(raw(12, empty), 0);
            h.processElement(raw(13, null), 0);

            List<QueryTask> out = h.extractOutputValues();
            assertEquals(1, out.size());
            assertEquals("tree", out.get(0).topology());
            assertEquals(99, out.get(0).submittedAtMs());
            List<DeadLetterRecord> dead = h.getSideOutput(DecodeQueries.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue).toList();
            assertEquals(List.of(RejectKind.MALFORMED_AVRO, RejectKind.EMPTY_TEXT, RejectKind.EMPTY_RECORD),
                    dead.stream().map(DeadLetterRecord::kind).toList());
            assertEquals(11, dead.get(0).sourceOffset());
            assertEquals(1, dead.get(0).sourcePartition());
            assertEquals("queries", dead.get(0).sourceTopic());
            assertEquals("junk", new String(dead.get(0).payload(), StandardCharsets.UTF_8));
            assertEquals("q2", dead.get(1).queryId());
            assertTrue(dead.get(1).reason().contains("empty"));
        }
    }

    @Test
    void aRecordOfAnotherSchemaAndAQueryWithAProfileAreDeadLetteredByKind() throws Exception {
        byte[] answer = AvroCodec.of(dev.moaflink.schema.DeadLetter.class).encode(dev.moaflink.schema.DeadLetter
                .newBuilder().setKind("X").setReason("r").setFailedAt(Instant.ofEpochMilli(1)).build());
        byte[] profiled = AvroCodec.of(Query.class).encode(Query.newBuilder().setId("q5").setText("hi")
                .setTaskType(TaskType.FREE_TEXT).setProfile("gpu-fast").setSubmittedAt(Instant.ofEpochMilli(1)).build());
        try (OneInputStreamOperatorTestHarness<RawRecord, QueryTask> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new DecodeQueries(validator))) {
            h.processElement(raw(20, answer), 0);
            h.processElement(raw(21, profiled), 0);
            assertTrue(h.extractOutputValues().isEmpty());
            List<DeadLetterRecord> dead = h.getSideOutput(DecodeQueries.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue).toList();
            assertEquals(List.of(RejectKind.UNKNOWN_SCHEMA, RejectKind.UNKNOWN_PROFILE),
                    dead.stream().map(DeadLetterRecord::kind).toList());
            assertEquals("q5", dead.get(1).queryId());
        }
    }

    @Test
    void jsonQueriesWithAnUnknownTaskTypeOrAMissingTextAreRejectedByKind() {
        assertEquals(RejectKind.UNKNOWN_TASK_TYPE, JsonQueries.parse(
                "{\"id\": \"j1\", \"text\": \"hi\", \"task_type\": \"essay\"}", validator, 0).kind());
        assertEquals(RejectKind.MISSING_FIELD, JsonQueries.parse("{\"id\": \"j2\"}", validator, 0).kind());
        assertEquals(RejectKind.MISSING_FIELD, JsonQueries.parse("{\"text\": \"no id\"}", validator, 0).kind());
        assertEquals(RejectKind.MALFORMED_JSON, JsonQueries.parse("{\"id\": ", validator, 0).kind());
        assertEquals(RejectKind.UNKNOWN_PROFILE, JsonQueries.parse(
                "{\"id\": \"j3\", \"text\": \"hi\", \"profile\": \"x\"}", validator, 0).kind());
        assertTrue(JsonQueries.parse("{\"id\": \"j4\", \"text\": \"hi\"}", validator, 0).accepted());
    }

    @Test
    void jsonRecordsFromKafkaDecodeLikeBatchLinesAndTakeTheRecordTimestamp() throws Exception {
        QueryDecoder json = QueryDecoders.of(JobConfig.TopicFormat.JSON, null);
        try (OneInputStreamOperatorTestHarness<RawRecord, QueryTask> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new DecodeQueries(validator, json))) {
            h.processElement(raw(30, """
                    {"id": "j1", "text": "Which is larger?", "choices": ["3", "5"], "task_type": "multiple_choice",
                     "gold": "B"}""".getBytes(StandardCharsets.UTF_8)), 0);
            h.processElement(raw(31, "{\"id\": \"j2\", \"text\": \"hi\", \"submitted_at\": 77}"
                    .getBytes(StandardCharsets.UTF_8)), 0);
            h.processElement(raw(32, "not json".getBytes(StandardCharsets.UTF_8)), 0);
            h.processElement(raw(33, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}), 0);
            h.processElement(raw(34, null), 0);
            h.processElement(raw(35, AvroCodec.of(Query.class).encode(Query.newBuilder().setId("a1").setText("hi")
                    .setSubmittedAt(Instant.ofEpochMilli(1)).build())), 0);

            List<QueryTask> out = h.extractOutputValues();
            assertEquals(List.of("j1", "j2"), out.stream().map(QueryTask::id).toList());
            assertEquals(List.of("3", "5"), List.of(out.get(0).choices()));
            assertEquals(1234L, out.get(0).submittedAtMs(), "no submitted_at: the Kafka record's timestamp");
            assertEquals(77L, out.get(1).submittedAtMs());
            List<DeadLetterRecord> dead = h.getSideOutput(DecodeQueries.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue).toList();
            assertEquals(List.of(RejectKind.MALFORMED_JSON, RejectKind.MALFORMED_JSON, RejectKind.EMPTY_RECORD,
                    RejectKind.MALFORMED_JSON), dead.stream().map(DeadLetterRecord::kind).toList());
            assertTrue(dead.get(1).reason().contains("UTF-8"), dead.get(1).reason());
            assertEquals(35, dead.get(3).sourceOffset(), "an Avro record on a JSON topic is a dead letter, not a crash");
        }
    }
}
