package dev.moaflink.connectors.kafka.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.kafka.embedded.InMemorySchemaRegistry;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Schema-Registry framed Avro against a registry speaking Confluent's REST API (in memory: no registry can be
 * started on the build machines). Records are framed here by hand, as another producer's serializer would frame them.
 */
@Timeout(30)
class RegistryAvroCodecTest {

    /** A producer's newer Query: {@code profile} dropped (it was optional), {@code priority} added with a default. */
    static final String EVOLVED_QUERY = """
            {"type": "record", "name": "Query", "namespace": "dev.moaflink.schema", "fields": [
              {"name": "id", "type": "string"},
              {"name": "text", "type": "string"},
              {"name": "choices", "type": {"type": "array", "items": "string"}, "default": []},
              {"name": "task_type", "type": {"type": "enum", "name": "TaskType",
                "symbols": ["MULTIPLE_CHOICE", "NUMERIC", "FREE_TEXT"]}, "default": "FREE_TEXT"},
              {"name": "gold", "type": ["null", "string"], "default": null},
              {"name": "topology", "type": ["null", "string"], "default": null},
              {"name": "submitted_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "priority", "type": "int", "default": 0}
            ]}""";

    /** A Query whose text became a number: no reader can turn it back into a string. */
    static final String INCOMPATIBLE_QUERY = """
            {"type": "record", "name": "Query", "namespace": "dev.moaflink.schema", "fields": [
              {"name": "id", "type": "string"},
              {"name": "text", "type": "int"},
              {"name": "submitted_at", "type": "long"}
            ]}""";

    private InMemorySchemaRegistry registry;

    @BeforeEach
    void start() {
        registry = InMemorySchemaRegistry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private RegistrySettings settings() {
        return RegistrySettings.from(Map.of(RegistrySettings.URL, registry.url()));
    }

    static byte[] framed(int id, String schemaJson, Map<String, Object> fields) throws IOException {
        Schema schema = new Schema.Parser().parse(schemaJson);
        GenericRecord r = new GenericData.Record(schema);
        fields.forEach((k, v) -> r.put(k, v instanceof String s && schema.getField(k).schema().getType() == Schema.Type.ENUM
                ? new GenericData.EnumSymbol(schema.getField(k).schema(), s) : v));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, e);
        e.flush();
        return out.toByteArray();
    }

    static Map<String, Object> evolvedFields(String id) {
        return Map.of("id", id, "text", "Which is larger?", "choices", List.of("3", "5"),
                "task_type", "MULTIPLE_CHOICE", "submitted_at", 1_700_000_000_000L, "priority", 7);
    }

    @Test
    void aCompatibleEvolutionOfTheSchemaDecodesIntoTheJobsQuery() throws Exception {
        int id = registry.register("moa.queries-value", EVOLVED_QUERY);
        Query q = RegistryAvroCodec.reader(Query.class, settings()).decode(framed(id, EVOLVED_QUERY, evolvedFields("q1")));
        assertEquals("q1", q.getId());
        assertEquals(List.of("3", "5"), q.getChoices());
        assertEquals(TaskType.MULTIPLE_CHOICE, q.getTaskType());
        assertNull(q.getProfile(), "a field the writer lacks takes the reader's default");
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), q.getSubmittedAt());
    }

    @Test
    void eachWriterSchemaIsFetchedOnce() throws Exception {
        int id = registry.register("moa.queries-value", EVOLVED_QUERY);
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        for (int i = 0; i < 20; i++) {
            codec.decode(framed(id, EVOLVED_QUERY, evolvedFields("q" + i)));
        }
        assertEquals(1, registry.requests());
    }

    @Test
    void anIdTheRegistryDoesNotKnowIsAnUnknownSchema() throws Exception {
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        byte[] record = framed(99, EVOLVED_QUERY, evolvedFields("q1"));
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(record));
        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
        assertTrue(e.getMessage().contains("no schema id 99"), e.getMessage());
        assertThrows(DecodeException.class, () -> codec.decode(record));
        assertEquals(1, registry.requests(), "the answer is remembered for a while");
    }

    @Test
    void anIncompatibleOrNonAvroSchemaIsIncompatible() throws Exception {
        int bad = registry.register("moa.queries-value", INCOMPATIBLE_QUERY);
        int proto = registry.register("other-value", "syntax = \"proto3\"; message Query { string id = 1; }", "PROTOBUF");
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(
                framed(bad, INCOMPATIBLE_QUERY, Map.of("id", "q", "text", 3, "submitted_at", 1L))));
        assertEquals(DecodeException.Kind.INCOMPATIBLE_SCHEMA, e.kind());
        assertTrue(e.getMessage().contains("cannot be read as Query"), e.getMessage());
        DecodeException p = assertThrows(DecodeException.class, () -> codec.decode(new byte[] {0, 0, 0, 0, (byte) proto, 2, 'q'}));
        assertEquals(DecodeException.Kind.INCOMPATIBLE_SCHEMA, p.kind());
        assertTrue(p.getMessage().contains("PROTOBUF"), p.getMessage());
    }

    @Test
    void unframedTruncatedAndEmptyValuesAreMalformedOrEmpty() throws Exception {
        int id = registry.register("moa.queries-value", EVOLVED_QUERY);
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        assertEquals(DecodeException.Kind.EMPTY, assertThrows(DecodeException.class, () -> codec.decode(null)).kind());
        assertEquals(DecodeException.Kind.EMPTY, assertThrows(DecodeException.class, () -> codec.decode(new byte[0])).kind());
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, assertThrows(DecodeException.class,
                () -> codec.decode("{\"id\": \"q\"}".getBytes())).kind());
        byte[] whole = framed(id, EVOLVED_QUERY, evolvedFields("q1"));
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, assertThrows(DecodeException.class, () -> codec.decode(cut)).kind());
        byte[] huge = whole.clone();
        huge[5] = (byte) 0xfe; // the id's length prefix now claims millions of bytes
        huge[6] = (byte) 0xff;
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, assertThrows(DecodeException.class, () -> codec.decode(huge)).kind());
    }

    @Test
    void writingRegistersTheSchemaUnderTheSubjectOnceAndRoundTrips() throws Exception {
        RegistryAvroCodec<Answer> codec = RegistryAvroCodec.writer(Answer.class, settings(),
                RegistryAvroCodec.topicSubject("moa.answers"));
        Answer a = Answer.newBuilder().setQueryId("q1").setText("Answer: B").setExtractedAnswer("B")
                .setSubmittedAt(Instant.ofEpochMilli(5)).setAnsweredAt(Instant.ofEpochMilli(9)).setTrace(List.of()).build();
        byte[] one = codec.encode(a);
        byte[] two = codec.encode(a);
        assertArrayEquals(one, two);
        int id = codec.writerId();
        assertEquals(Map.of("moa.answers-value", List.of(id)), registry.subjects());
        assertEquals(0, one[0]);
        assertEquals(id, ByteBuffer.wrap(one, 1, 4).getInt());
        assertEquals(a, RegistryAvroCodec.reader(Answer.class, settings()).decode(one));
        assertEquals(Answer.getClassSchema(), new Schema.Parser().parse(registry.schema(id)));
    }

    @Test
    void withoutAutoRegisterTheSchemaMustAlreadyBeRegistered() {
        RegistrySettings lookupOnly = RegistrySettings.from(Map.of(RegistrySettings.URL, registry.url(),
                RegistrySettings.AUTO_REGISTER, "false"));
        RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
                () -> RegistryAvroCodec.writer(Answer.class, lookupOnly, "moa.answers-value").writerId());
        assertTrue(e.getMessage().contains("auto.register.schemas is false"), e.getMessage());
        int id = registry.register("moa.answers-value", Answer.getClassSchema().toString(true));
        assertEquals(id, RegistryAvroCodec.writer(Answer.class, lookupOnly, "moa.answers-value").writerId(),
                "found by content, whatever its whitespace");
    }

    @Test
    void aRegistryThatIsDownIsNotTheRecordsFault() throws Exception {
        int id = registry.register("moa.queries-value", EVOLVED_QUERY);
        registry.unavailable(true);
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        byte[] record = framed(id, EVOLVED_QUERY, evolvedFields("q1"));
        RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> codec.decode(record));
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
        assertEquals(4, registry.requests(), "tried, then retried three times with backoff");
        registry.unavailable(false);
        assertEquals("q1", codec.decode(record).getId(), "nothing cached from the outage");
    }

    @Test
    void credentialsGoInTheAuthorizationHeaderAndNeverIntoToStringAndARefusalFailsTheTask() throws Exception {
        try (InMemorySchemaRegistry secured = InMemorySchemaRegistry.start("moa:s3cret")) {
            int id = secured.register("moa.queries-value", EVOLVED_QUERY);
            RegistrySettings good = RegistrySettings.from(Map.of(RegistrySettings.URL, secured.url(),
                    RegistrySettings.USER_INFO, "moa:s3cret"));
            assertEquals("q1", RegistryAvroCodec.reader(Query.class, good)
                    .decode(framed(id, EVOLVED_QUERY, evolvedFields("q1"))).getId());
            assertFalse(good.toString().contains("s3cret"), good.toString());
            RegistrySettings inUrl = RegistrySettings.from(Map.of(RegistrySettings.URL,
                    secured.url().replace("http://", "http://moa:s3cret@"), RegistrySettings.CREDENTIALS_SOURCE, "URL"));
            assertEquals("moa:s3cret", inUrl.userInfo());
            assertFalse(inUrl.toString().contains("s3cret"), inUrl.toString());
            assertEquals("q2", RegistryAvroCodec.reader(Query.class, inUrl)
                    .decode(framed(id, EVOLVED_QUERY, evolvedFields("q2"))).getId());
            RegistrySettings none = RegistrySettings.from(Map.of(RegistrySettings.URL, secured.url()));
            RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
                    () -> RegistryAvroCodec.reader(Query.class, none).decode(framed(id, EVOLVED_QUERY, evolvedFields("q3"))));
            assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
        }
    }

    @Test
    void theCodecTravelsSerializedToTasks() throws Exception {
        int id = registry.register("moa.queries-value", EVOLVED_QUERY);
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        codec.decode(framed(id, EVOLVED_QUERY, evolvedFields("q0")));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(codec);
        }
        @SuppressWarnings("unchecked")
        RegistryAvroCodec<Query> copy = (RegistryAvroCodec<Query>) new ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())).readObject();
        assertEquals("q1", copy.decode(framed(id, EVOLVED_QUERY, evolvedFields("q1"))).getId());
    }

    @Test
    void aBasePathIsKeptAndAWrongPathFailsTheCheckNotTheRecords() throws Exception {
        try (InMemorySchemaRegistry prefixed = InMemorySchemaRegistry.start(null, "/apis/ccompat/v7")) {
            int id = prefixed.register("moa.queries-value", EVOLVED_QUERY);
            RegistrySettings right = RegistrySettings.from(Map.of(RegistrySettings.URL, prefixed.url()));
            RegistryAvroCodec.reader(Query.class, right).checkReachable();
            assertEquals("q1", RegistryAvroCodec.reader(Query.class, right)
                    .decode(framed(id, EVOLVED_QUERY, evolvedFields("q1"))).getId());
            RegistrySettings wrong = RegistrySettings.from(Map.of(RegistrySettings.URL,
                    prefixed.url().replace("/apis/ccompat/v7", "")));
            assertThrows(RegistryUnavailableException.class, () -> RegistryAvroCodec.reader(Query.class, wrong).checkReachable());
            assertThrows(RegistryUnavailableException.class, () -> RegistryAvroCodec.reader(Query.class, wrong)
                    .decode(framed(id, EVOLVED_QUERY, evolvedFields("q1"))), "a 404 page is not 'no such schema'");
        }
    }

    @Test
    void anInvalidRegisteredSchemaOrANegativeIdIsTheRecordsProblem() throws Exception {
        int dup = registry.register("x-value", "{\"type\": \"record\", \"name\": \"Query\", \"fields\": ["
                + "{\"name\": \"id\", \"type\": \"string\"}, {\"name\": \"id\", \"type\": \"string\"}]}");
        RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, settings());
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(new byte[] {0, 0, 0, 0, (byte) dup, 2, 'q'}));
        assertEquals(DecodeException.Kind.INCOMPATIBLE_SCHEMA, e.kind());
        DecodeException negative = assertThrows(DecodeException.class,
                () -> codec.decode(new byte[] {0, (byte) 0x80, 0, 0, 1, 2, 'q'}));
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, negative.kind());
    }

    @Test
    void urlsAreCheckedAndPrintedWithoutTheirUserInfo() {
        assertEquals("https://***@host:8081/x", RegistrySettings.redact("https://u:p@ss@host:8081/x"));
        assertEquals("http://host", RegistrySettings.redact("http://host"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> RegistrySettings.from(Map.of(
                RegistrySettings.URL, "http://u:s3cret@bad host", RegistrySettings.CREDENTIALS_SOURCE, "URL")));
        assertFalse(bad.getMessage().contains("s3cret"), bad.getMessage());
        IllegalArgumentException underscore = assertThrows(IllegalArgumentException.class,
                () -> RegistrySettings.from(Map.of(RegistrySettings.URL, "http://schema_registry:8081")));
        assertTrue(underscore.getMessage().contains("underscores"), underscore.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegistrySettings.from(Map.of(RegistrySettings.URL, " , ")));
    }

    @Test
    void settingsNameWhatIsMissingOrWrong() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> RegistrySettings.from(Map.of()));
        assertTrue(missing.getMessage().contains("schema.registry.url"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegistrySettings.from(Map.of(RegistrySettings.URL, "ftp://x")));
        assertThrows(IllegalArgumentException.class, () -> RegistrySettings.from(Map.of(RegistrySettings.URL, "http://x",
                RegistrySettings.AUTO_REGISTER, "maybe")));
        assertEquals(List.of("http://a:8081", "http://b:8081/apis/ccompat/v7"), RegistrySettings.from(Map.of(
                RegistrySettings.URL, "http://a:8081/, http://b:8081/apis/ccompat/v7")).urls());
        assertTrue(RegistrySettings.isRegistryProperty("schema.registry.url"));
        assertTrue(RegistrySettings.isRegistryProperty("basic.auth.user.info"));
        assertFalse(RegistrySettings.isRegistryProperty("sasl.jaas.config"));
    }
}
