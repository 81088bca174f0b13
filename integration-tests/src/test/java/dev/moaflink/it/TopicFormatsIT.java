package dev.moaflink.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.bench.JobArgs;
import dev.moaflink.connectors.kafka.registry.RegistryAvroCodec;
import dev.moaflink.connectors.kafka.registry.RegistrySettings;
import dev.moaflink.kafka.embedded.InMemorySchemaRegistry;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming job on its other topic formats, with the tools Kafka users have: JSON queries typed into Kafka's own
 * console producer and JSON answers read with its console consumer (separate JVM processes, as from a shell); and
 * registry Avro written by another producer with an evolved schema, against a schema registry speaking Confluent's
 * API (in memory: none can be started here), answers and dead letters registered under their topics' subjects.
 */
@Timeout(300)
class TopicFormatsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @RegisterExtension
    static final KafkaBroker BROKER = new KafkaBroker();

    @TempDir
    Path dir;


    private static JobArgs args(Topics t) {
        return JobArgs.kafka(BROKER.kafka().bootstrapServers(), t.queries(), t.answers(), t.dead())
                .set("checkpoint_interval_ms", 300).zeroCost(8);
    }

    @Test
    void jsonQueriesFromTheConsoleProducerAndJsonAnswersForTheConsoleConsumer() throws Exception {
        Topics t = Topics.fresh(BROKER.kafka());
        JobClient job = TestJobs.start(args(t).set("kafka.format", "json"));
        try {
            List<String> lines = List.of(
                    "{\"id\": \"c1\", \"text\": \"Which number is larger?\", \"choices\": [\"3\", \"5\"], "
                            + "\"task_type\": \"multiple_choice\", \"gold\": \"B\"}",
                    "{\"id\": \"c2\", \"text\": \"Compute 2 + 3.\", \"task_type\": \"numeric\", \"gold\": \"5\"}",
                    "this line is not JSON",
                    "{\"id\": \"c3\"}");
            run(List.of("org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", BROKER.kafka().bootstrapServers(),
                    "--topic", t.queries()), String.join("\n", lines) + "\n");

            Map<String, JsonNode> answers = byField(consume(t.answers(), 2), "query_id");
            assertEquals(Set.of("c1", "c2"), answers.keySet());
            for (JsonNode a : answers.values()) {
                assertEquals(13, a.get("trace").size(), "the full per-agent trace of tree 9-3-1: " + a);
                assertTrue(a.get("trace").get(0).has("prefill_exposed_ms"), a.toString());
                assertTrue(a.get("latency_ms").asDouble() >= 0, a.toString());
            }
            Map<String, JsonNode> dead = byField(consume(t.dead(), 2), "kind");
            assertEquals(Set.of("MALFORMED_JSON", "MISSING_FIELD"), dead.keySet());
            JsonNode garbage = dead.get("MALFORMED_JSON");
            assertEquals("this line is not JSON", new String(Base64.getDecoder().decode(
                    garbage.get("payload").asText()), StandardCharsets.UTF_8), "the raw record, base64");
            assertEquals(t.queries(), garbage.get("source_topic").asText());
            assertEquals("c3", dead.get("MISSING_FIELD").get("query_id").asText());
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void registryAvroWithAnEvolvedWriterSchemaAndUnknownOrIncompatibleIdsAsDeadLetters() throws Exception {
        try (InMemorySchemaRegistry registry = InMemorySchemaRegistry.start("moa:s3cret")) {
            Topics t = Topics.fresh(BROKER.kafka());
            // Credentials never on the command line: a client properties file, as a user's deployment would hold.
            Path client = dir.resolve("client.properties");
            Files.writeString(client, "schema.registry.url=" + registry.url() + "\nbasic.auth.user.info=moa:s3cret\n");
            JobClient job = TestJobs.start(args(t).set("kafka.format", "registry-avro").set("kafka.properties_file", client));
            try {
                String subject = RegistryAvroCodec.topicSubject(t.queries());
                int evolved = registry.register(subject, EVOLVED_QUERY);
                int incompatible = registry.register("someone-else-value", INCOMPATIBLE_QUERY);
                try (KafkaProducer<byte[], byte[]> p = producer()) {
                    for (int i = 0; i < 5; i++) {
                        p.send(new ProducerRecord<>(t.queries(), framed(evolved, EVOLVED_QUERY, Map.of("id", "r" + i,
                                "text", "Compute " + i + " + 1.", "task_type", "NUMERIC", "gold", String.valueOf(i + 1),
                                "submitted_at", System.currentTimeMillis(), "priority", 3))));
                    }
                    p.send(new ProducerRecord<>(t.queries(), framed(9_999, EVOLVED_QUERY, Map.of("id", "lost",
                            "text", "?", "submitted_at", 1L))));
                    p.send(new ProducerRecord<>(t.queries(), framed(incompatible, INCOMPATIBLE_QUERY, Map.of("id", "x",
                            "text", 42, "submitted_at", 1L))));
                    p.send(new ProducerRecord<>(t.queries(), "{\"id\": \"json\", \"text\": \"hi\"}".getBytes(StandardCharsets.UTF_8)));
                }
                RegistrySettings settings = RegistrySettings.from(Map.of(RegistrySettings.URL, registry.url(),
                        RegistrySettings.USER_INFO, "moa:s3cret"));
                RegistryAvroCodec<Answer> answers = RegistryAvroCodec.reader(Answer.class, settings);
                List<Answer> got = new ArrayList<>();
                for (byte[] v : readCommitted(t.answers(), 5)) {
                    got.add(answers.decode(v));
                }
                assertEquals(Set.of("r0", "r1", "r2", "r3", "r4"), got.stream().map(Answer::getQueryId).collect(Collectors.toSet()));
                got.forEach(a -> assertEquals(13, a.getTrace().size(), a.getQueryId()));

                RegistryAvroCodec<DeadLetter> letters = RegistryAvroCodec.reader(DeadLetter.class, settings);
                Map<String, DeadLetter> dead = new HashMap<>();
                for (byte[] v : readCommitted(t.dead(), 3)) {
                    DeadLetter d = letters.decode(v);
                    dead.put(d.getKind(), d);
                }
                assertEquals(Set.of("UNKNOWN_SCHEMA", "INCOMPATIBLE_SCHEMA", "MALFORMED_AVRO"), dead.keySet());
                assertTrue(dead.get("UNKNOWN_SCHEMA").getReason().contains("9999"), dead.get("UNKNOWN_SCHEMA").getReason());
                assertTrue(registry.subjects().containsKey(t.answers() + "-value"), registry.subjects().toString());
                assertTrue(registry.subjects().containsKey(t.dead() + "-value"), registry.subjects().toString());
            } finally {
                job.cancel().get();
            }
        }
    }

    @Test
    void aRegistryTopicWithoutARegistryURLStopsTheJobAtSubmission() {
        Topics t = Topics.fresh(BROKER.kafka());
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> TestJobs.start(args(t).set("kafka.answers_format", "registry-avro")));
        assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
    }

    // ---------------------------------------------------------------- another producer's view of the schemas

    /** A producer's newer Query: {@code profile} dropped (it was optional), {@code priority} added with a default. */
    private static final String EVOLVED_QUERY = """
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

    private static final String INCOMPATIBLE_QUERY = """
            {"type": "record", "name": "Query", "namespace": "dev.moaflink.schema", "fields": [
              {"name": "id", "type": "string"}, {"name": "text", "type": "int"}, {"name": "submitted_at", "type": "long"}
            ]}""";

    /** Byte 00, the schema id (4 bytes, big-endian), the binary record: what Confluent-style serializers write. */
    private static byte[] framed(int id, String schemaJson, Map<String, Object> fields) throws IOException {
        Schema schema = new Schema.Parser().parse(schemaJson);
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            Object v = fields.get(f.name());
            if (v == null && f.hasDefaultValue()) {
                v = GenericData.get().getDefaultValue(f);
            }
            r.put(f.name(), v instanceof String s && f.schema().getType() == Schema.Type.ENUM
                    ? new GenericData.EnumSymbol(f.schema(), s) : v);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, e);
        e.flush();
        return out.toByteArray();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.kafka().bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static List<byte[]> readCommitted(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.kafka().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(2))) {
                out.add(r.value()); // anything beyond the expected count would be a duplicate
            }
        }
        assertEquals(expected, out.size(), "records on " + topic);
        return out;
    }

    // ---------------------------------------------------------------- Kafka's console tools, as separate processes

    /** Kafka's console consumer, read_committed from the beginning, until {@code expected} records came. */
    private static List<JsonNode> consume(String topic, int expected) throws Exception {
        String out = run(List.of("org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server",
                BROKER.kafka().bootstrapServers(), "--topic", topic, "--from-beginning", "--max-messages",
                String.valueOf(expected), "--timeout-ms", "120000", "--isolation-level", "read_committed"), "");
        List<JsonNode> records = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                records.add(JSON.readTree(line));
            }
        }
        assertEquals(expected, records.size(), out);
        return records;
    }

    private static Map<String, JsonNode> byField(List<JsonNode> records, String field) {
        return records.stream().collect(Collectors.toMap(r -> r.get(field).asText(), Function.identity()));
    }

    /** Runs a main class of the test classpath in its own JVM with {@code stdin}; returns its standard output. */
    private static String run(List<String> mainAndArgs, String stdin) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classpath));
        command.addAll(mainAndArgs);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "process ended: " + mainAndArgs.get(0));
        assertEquals(0, p.exitValue(), mainAndArgs.get(0) + " exit status; output: " + new String(out, StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8);
    }
}
