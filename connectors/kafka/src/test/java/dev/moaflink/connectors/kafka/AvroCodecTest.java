package dev.moaflink.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AvroCodecTest {

    /** Query as first published: the fields added later (all with defaults) are absent. */
    private static final Schema QUERY_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Query", "namespace": "dev.moaflink.schema", "fields": [
              {"name": "id", "type": "string"},
              {"name": "text", "type": "string"},
              {"name": "submitted_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""");

    private final AvroCodec<Query> queries = AvroCodec.of(Query.class);

    @Test
    @Timeout(10)
    void roundTripsEveryWireRecord() throws Exception {
        Query query = TestRecords.query("q-1");
        assertEquals(query, queries.decode(queries.encode(query)));

        AvroCodec<Answer> answers = AvroCodec.of(Answer.class);
        Answer answer = TestRecords.answer("q-1");
        assertEquals(answer, answers.decode(answers.encode(answer)));

        AvroCodec<DeadLetter> deadLetters = AvroCodec.of(DeadLetter.class);
        DeadLetter deadLetter = DeadLetters.of(new RawRecord("queries", 1, 7, 0, null, new byte[] {1, 2}),
                "MALFORMED_AVRO", "bad bytes", null, Instant.ofEpochMilli(1234));
        assertEquals(deadLetter, deadLetters.decode(deadLetters.encode(deadLetter)));
    }

    @Test
    @Timeout(10)
    void writesAvroSingleObjectEncoding() {
        byte[] bytes = queries.encode(TestRecords.query("q-1"));
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        // What Avro's own generated encoder writes, so any single-object reader can read it.
        assertArrayEquals(toArray(Query.getEncoder(), TestRecords.query("q-1")), bytes);
    }

    @Test
    @Timeout(10)
    void nullAndZeroBytesAreEmpty() {
        assertEquals(DecodeException.Kind.EMPTY, assertThrows(DecodeException.class, () -> queries.decode(null)).kind());
        assertEquals(DecodeException.Kind.EMPTY, assertThrows(DecodeException.class, () -> queries.decode(new byte[0])).kind());
    }

    @Test
    @Timeout(10)
    void bytesThatAreNotSingleObjectEncodingAreMalformed() {
        DecodeException e = assertThrows(DecodeException.class, () -> queries.decode("{\"id\": \"q-1\"}".getBytes()));
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, e.kind());
        assertTrue(e.getMessage().contains("single-object"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void truncatedOrPaddedPayloadsAreMalformed() {
        byte[] bytes = queries.encode(TestRecords.query("q-1"));
        DecodeException truncated = assertThrows(DecodeException.class,
                () -> queries.decode(Arrays.copyOf(bytes, bytes.length - 3)));
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, truncated.kind());
        DecodeException padded = assertThrows(DecodeException.class,
                () -> queries.decode(Arrays.copyOf(bytes, bytes.length + 2)));
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, padded.kind());
        assertTrue(padded.getMessage().contains("2 bytes trail"), padded.getMessage());
    }

    @Test
    @Timeout(10)
    void aCorruptedLengthIsMalformedInsteadOfAHugeAllocation() {
        byte[] header = Arrays.copyOf(queries.encode(TestRecords.query("q-1")), 10);
        // The id's length prefix claims two billion bytes: Avro alone would try to allocate them.
        byte[] length = zigZagVarint(2_000_000_000L);
        byte[] corrupted = ByteBuffer.allocate(header.length + length.length).put(header).put(length).array();
        DecodeException e = assertThrows(DecodeException.class, () -> queries.decode(corrupted));
        assertEquals(DecodeException.Kind.MALFORMED_AVRO, e.kind());
        assertTrue(e.getMessage().contains("2000000000"), e.getMessage());
    }

    @Test
    @Timeout(30)
    void randomCorruptionOnlyEverRaisesDecodeException() {
        byte[] valid = AvroCodec.of(Answer.class).encode(TestRecords.answer("q-1"));
        AvroCodec<Answer> answers = AvroCodec.of(Answer.class);
        Random random = new Random(42);
        int decoded = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] mutated = valid.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                // Keep the header so the corruption reaches the record body.
                mutated[10 + random.nextInt(mutated.length - 10)] = (byte) random.nextInt(256);
            }
            try {
                answers.decode(mutated);
                decoded++;
            } catch (DecodeException e) {
                assertEquals(DecodeException.Kind.MALFORMED_AVRO, e.kind());
            }
        }
        assertTrue(decoded < 5_000, "some mutations must be caught");
    }

    @Test
    @Timeout(10)
    void aRecordOfAnotherTypeHasAnUnknownSchema() {
        byte[] answer = AvroCodec.of(Answer.class).encode(TestRecords.answer("q-1"));
        DecodeException e = assertThrows(DecodeException.class, () -> queries.decode(answer));
        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
        assertTrue(e.getMessage().contains("fingerprint"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void anOlderSchemaDecodesOnceRegistered() throws Exception {
        byte[] v1 = writeV1("q-old", "an old question", 1_000L);
        assertEquals(DecodeException.Kind.UNKNOWN_SCHEMA,
                assertThrows(DecodeException.class, () -> queries.decode(v1)).kind());

        Query query = queries.withWriterSchemas(QUERY_V1).decode(v1);
        assertEquals("q-old", query.getId());
        assertEquals("an old question", query.getText());
        assertEquals(Instant.ofEpochMilli(1_000L), query.getSubmittedAt());
        assertEquals(List.of(), query.getChoices());
        assertEquals(TaskType.FREE_TEXT, query.getTaskType());
        assertNull(query.getGold());
    }

    @Test
    @Timeout(10)
    void anOlderTraceSchemaResolvesThroughTheGeneratedCoders() throws Exception {
        // Writer: today's Answer whose AgentTrace lacks "worker" and "error" and has its fields reordered, so
        // decoding must resolve inside the nested record (the generated custom decoder's field-order path).
        Schema current = Answer.getClassSchema();
        String json = current.toString()
                .replace("{\"name\":\"worker\",", "{\"name\":\"worker_dropped\",")
                .replace("{\"name\":\"error\",", "{\"name\":\"error_dropped\",");
        Schema older = new Schema.Parser().parse(json);
        Schema olderTrace = older.getField("trace").schema().getElementType();
        List<Schema.Field> kept = new java.util.ArrayList<>();
        for (Schema.Field f : olderTrace.getFields()) {
            if (!f.name().endsWith("_dropped")) {
                kept.add(new Schema.Field(f, f.schema()));
            }
        }
        java.util.Collections.reverse(kept);
        Schema trace = Schema.createRecord(olderTrace.getName(), null, olderTrace.getNamespace(), false, kept);
        List<Schema.Field> answerFields = new java.util.ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            Schema s = f.name().equals("trace") ? Schema.createArray(trace) : f.schema();
            answerFields.add(new Schema.Field(f.name(), s, null, f.defaultVal()));
        }
        Schema writer = Schema.createRecord(current.getName(), null, current.getNamespace(), false, answerFields);

        GenericData.Record t = new GenericData.Record(trace);
        t.put("node_id", "L2.0");
        t.put("level", 2);
        t.put("model", "agg");
        t.put("status", new GenericData.EnumSymbol(trace.getField("status").schema(), "RAN"));
        t.put("inputs", List.of("L1.0", "L1.1"));
        t.put("decode_ms", 12.5);
        for (Schema.Field f : trace.getFields()) {
            if (t.get(f.name()) == null && f.hasDefaultValue()) {
                t.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        AvroCodec<Answer> answers = AvroCodec.of(Answer.class);
        GenericData.Record a = new GenericData.Record(writer);
        for (Schema.Field f : writer.getFields()) {
            if (f.hasDefaultValue()) {
                a.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        a.put("query_id", "q-7");
        a.put("text", "x");
        a.put("submitted_at", 1_000L);
        a.put("answered_at", 2_000L);
        a.put("trace", List.of(t));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(a, out);

        Answer decoded = answers.withWriterSchemas(writer).decode(out.toByteArray());
        assertEquals("q-7", decoded.getQueryId());
        assertEquals(1, decoded.getTrace().size());
        assertEquals("L2.0", decoded.getTrace().get(0).getNodeId());
        assertEquals(List.of("L1.0", "L1.1"), decoded.getTrace().get(0).getInputs());
        assertEquals(12.5, decoded.getTrace().get(0).getDecodeMs());
        assertEquals("", decoded.getTrace().get(0).getWorker());
        assertNull(decoded.getTrace().get(0).getError());
        // And today's records still round-trip through the generated coders.
        Answer fresh = TestRecords.answer("q-8");
        assertEquals(fresh, answers.decode(answers.encode(fresh)));
    }

    @Test
    @Timeout(10)
    void aWriterSchemaThatCannotBeReadIsRejectedWhenRegistered() {
        Schema noText = new Schema.Parser().parse("""
                {"type": "record", "name": "Query", "namespace": "dev.moaflink.schema", "fields": [
                  {"name": "id", "type": "string"}
                ]}""");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> queries.withWriterSchemas(noText));
        assertTrue(e.getMessage().contains("cannot be read as Query"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void survivesJavaSerializationWithItsRegisteredSchemas() throws Exception {
        AvroCodec<Query> copy = InstantiationUtil.clone(queries.withWriterSchemas(QUERY_V1));
        assertEquals("q-old", copy.decode(writeV1("q-old", "x", 1L)).getId());
        assertEquals(TestRecords.query("q-1"), copy.decode(copy.encode(TestRecords.query("q-1"))));
    }

    @Test
    @Timeout(10)
    void invalidRecordsAndTypesAreRejected() {
        Query missingText = TestRecords.query("q-1");
        missingText.setText(null);
        IllegalArgumentException encode = assertThrows(IllegalArgumentException.class, () -> queries.encode(missingText));
        assertTrue(encode.getMessage().startsWith("cannot encode Query"), encode.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AvroCodec.of(null));
    }

    private static byte[] writeV1(String id, String text, long submittedAtMillis) {
        GenericRecord record = new GenericData.Record(QUERY_V1);
        record.put("id", id);
        record.put("text", text);
        record.put("submitted_at", submittedAtMillis);
        return toArray(new BinaryMessageEncoder<>(GenericData.get(), QUERY_V1), record);
    }

    private static <T> byte[] toArray(BinaryMessageEncoder<T> encoder, T record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            encoder.encode(record, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] zigZagVarint(long value) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            encoder.writeLong(value);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
