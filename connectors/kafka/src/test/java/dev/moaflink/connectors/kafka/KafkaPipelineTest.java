package dev.moaflink.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import dev.moaflink.schema.Query;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Source, codec, dead letters and both sink guarantees against a real broker and a Flink MiniCluster. */
class KafkaPipelineTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(jobConfig())
            .build());

    private static EmbeddedKafka kafka;
    private static KafkaConnection connection;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        connection = KafkaConnection.of(kafka.bootstrapServers());
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    @Timeout(90)
    void goodRecordsAreWrittenExactlyOnceAndBadOnesAreDeadLettered() throws Exception {
        kafka.createTopics(2, "queries", "answers", "dead-letters");
        List<String> goodIds = IntStream.range(0, 6).mapToObj(i -> "q-" + i).toList();
        Map<String, String> expectedKinds = new HashMap<>();
        Map<String, byte[]> badPayloads = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            AvroCodec<Query> queries = AvroCodec.of(Query.class);
            for (int i = 0; i < goodIds.size(); i++) {
                send(producer, i % 2, goodIds.get(i), queries.encode(TestRecords.query(goodIds.get(i))));
            }
            byte[][] bad = {"{\"id\": \"json\"}".getBytes(StandardCharsets.UTF_8), new byte[0], null,
                    AvroCodec.of(Answer.class).encode(TestRecords.answer("q-x"))};
            String[] kinds = {"MALFORMED_AVRO", "EMPTY", "EMPTY", "UNKNOWN_SCHEMA"};
            for (int i = 0; i < bad.length; i++) {
                RecordMetadata written = send(producer, i % 2, "bad-" + i, bad[i]);
                String coordinates = written.topic() + "-" + written.partition() + "@" + written.offset();
                expectedKinds.put(coordinates, kinds[i]);
                badPayloads.put(coordinates, bad[i]);
            }
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfig());
        env.setParallelism(2);
        env.enableCheckpointing(200);
        SingleOutputStreamOperator<Answer> answers = env
                .fromSource(KafkaSources.rawRecords(connection).topics("queries").groupId("pipeline-test")
                        .startingOffsets(StartingOffsets.EARLIEST).bounded().build(),
                        WatermarkStrategy.noWatermarks(), "queries")
                .process(new AnswerOrDeadLetter());
        answers.sinkTo(KafkaSinks.avro(connection, AvroCodec.of(Answer.class))
                .topic("answers")
                .keyExtractor(Answer::getQueryId)
                .transactionalIdPrefix("answers-" + UUID.randomUUID())
                .build());
        answers.getSideOutput(AnswerOrDeadLetter.DEAD_LETTERS).sinkTo(DeadLetters.sink(connection)
                .topic("dead-letters")
                .transactionalIdPrefix("dead-letters-" + UUID.randomUUID())
                .build());
        env.execute("answer-or-dead-letter");

        AvroCodec<Answer> answerCodec = AvroCodec.of(Answer.class);
        List<String> answered = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicReader.readCommitted(kafka.bootstrapServers(), "answers")) {
            Answer answer = answerCodec.decode(record.value());
            assertEquals(answer.getQueryId(), new String(record.key(), StandardCharsets.UTF_8));
            answered.add(answer.getQueryId());
        }
        assertEquals(goodIds, answered.stream().sorted().toList(), "each good query answered exactly once");
        assertTrue(TopicReader.logEndOffsets(kafka.bootstrapServers(), "answers") > answered.size(),
                "answers were written in transactions (their commit markers take offsets)");

        AvroCodec<DeadLetter> deadLetterCodec = AvroCodec.of(DeadLetter.class);
        Map<String, String> actualKinds = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicReader.readCommitted(kafka.bootstrapServers(), "dead-letters")) {
            DeadLetter letter = deadLetterCodec.decode(record.value());
            String coordinates = letter.getSourceTopic() + "-" + letter.getSourcePartition() + "@" + letter.getSourceOffset();
            assertEquals(coordinates, new String(record.key(), StandardCharsets.UTF_8));
            assertArrayEquals(badPayloads.get(coordinates), bytes(letter.getPayload()), coordinates);
            assertFalse(letter.getReason().isBlank());
            actualKinds.put(coordinates, letter.getKind());
        }
        assertEquals(expectedKinds, actualKinds);
    }

    @Test
    @Timeout(60)
    void atLeastOnceWritesEveryRecordWithoutTransactions() throws Exception {
        kafka.createTopics(1, "answers-at-least-once");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfig());
        env.setParallelism(2);
        env.fromSequence(1, 20)
                .map(i -> TestRecords.answer("q-" + i))
                .returns(TypeInformation.of(Answer.class))
                .sinkTo(KafkaSinks.avro(connection, AvroCodec.of(Answer.class))
                        .topic("answers-at-least-once")
                        .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .build());
        env.execute("at-least-once");

        AvroCodec<Answer> codec = AvroCodec.of(Answer.class);
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicReader.readCommitted(kafka.bootstrapServers(), "answers-at-least-once")) {
            ids.add(codec.decode(record.value()).getQueryId());
        }
        assertEquals(IntStream.rangeClosed(1, 20).mapToObj(i -> "q-" + i).sorted().toList(),
                ids.stream().sorted().toList());
        assertEquals(20, TopicReader.logEndOffsets(kafka.bootstrapServers(), "answers-at-least-once"),
                "no transaction markers");
    }

    /** What the job's decode step does: answer what decodes, dead-letter the rest with its origin. */
    private static final class AnswerOrDeadLetter extends ProcessFunction<RawRecord, Answer> {
        static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
        private final AvroCodec<Query> queries = AvroCodec.of(Query.class);

        @Override
        public void processElement(RawRecord raw, Context context, Collector<Answer> out) {
            try {
                Query query = queries.decode(raw.value());
                out.collect(Answer.newBuilder()
                        .setQueryId(query.getId())
                        .setText("echo: " + query.getText())
                        .setSubmittedAt(query.getSubmittedAt())
                        .setAnsweredAt(Instant.now())
                        .build());
            } catch (DecodeException e) {
                context.output(DEAD_LETTERS, DeadLetters.of(raw, e, Instant.now()));
            }
        }
    }

    private static Configuration jobConfig() {
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        // Avro records must travel with flink-avro's serializer, never fall back to Kryo.
        config.set(PipelineOptions.GENERIC_TYPES, false);
        return config;
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, int partition, String key, byte[] value)
            throws Exception {
        return producer.send(new ProducerRecord<>("queries", partition, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
