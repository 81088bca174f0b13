package dev.moaflink.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.moaflink.schema.Answer;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** Every option is checked where it is set, and combinations when the source or sink is built. */
class ValidationTest {
    private static final KafkaConnection LOCAL = KafkaConnection.of("127.0.0.1:9092");

    @Test
    @Timeout(10)
    void connection() {
        assertMessage("bootstrap servers are required", () -> KafkaConnection.of(" "));
        assertMessage("not client property bootstrap.servers",
                () -> LOCAL.withClientProperty("bootstrap.servers", "elsewhere:9092"));
        KafkaConnection secured = LOCAL.withClientProperties(Map.of(
                "security.protocol", "SASL_SSL", "sasl.jaas.config", "secret-password"));
        assertEquals("SASL_SSL", secured.clientProperties().get("security.protocol"));
        assertFalse(secured.toString().contains("secret-password"), secured.toString());
    }

    @Test
    @Timeout(10)
    void source() {
        assertMessage("at least one topic is required", () -> KafkaSources.rawRecords(LOCAL).groupId("g").build());
        assertMessage("a group id is required", () -> KafkaSources.rawRecords(LOCAL).topics("q").build());
        assertMessage("non-blank names", () -> KafkaSources.rawRecords(LOCAL).topics("q", " "));
        assertMessage("always reads read_committed", () -> KafkaSources
                .rawRecords(LOCAL.withClientProperty("isolation.level", "read_uncommitted"))
                .topics("q").groupId("g").build());
        assertMessage("use groupId", () -> KafkaSources.rawRecords(LOCAL.withClientProperty("group.id", "x"))
                .topics("q").groupId("g").build());

        assertEquals(Boundedness.BOUNDED,
                KafkaSources.rawRecords(LOCAL).topics("q").groupId("g").bounded().build().getBoundedness());
        assertEquals(Boundedness.CONTINUOUS_UNBOUNDED,
                KafkaSources.rawRecords(LOCAL).topics("q").groupId("g").build().getBoundedness());
    }

    @Test
    @Timeout(10)
    void sink() {
        AvroCodec<Answer> answers = AvroCodec.of(Answer.class);
        assertMessage("a topic is required", () -> KafkaSinks.avro(LOCAL, answers).transactionalIdPrefix("p").build());
        assertMessage("EXACTLY_ONCE needs a transactional id prefix",
                () -> KafkaSinks.avro(LOCAL, answers).topic("answers").build());
        assertMessage("EXACTLY_ONCE or AT_LEAST_ONCE",
                () -> KafkaSinks.avro(LOCAL, answers).deliveryGuarantee(DeliveryGuarantee.NONE));
        assertMessage("must be positive", () -> KafkaSinks.avro(LOCAL, answers).transactionTimeout(Duration.ZERO));
        assertMessage("use transactionTimeout", () -> KafkaSinks
                .avro(LOCAL.withClientProperty("transaction.timeout.ms", "1000"), answers)
                .topic("answers").transactionalIdPrefix("p").build());
        assertMessage("an AvroCodec is required", () -> KafkaSinks.avro(LOCAL, null));

        // At least once needs no prefix.
        KafkaSinks.avro(LOCAL, answers).topic("answers").deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE).build();
    }

    @Test
    @Timeout(10)
    void deadLetter() {
        RawRecord raw = new RawRecord("q", 0, 1, 2, null, null);
        assertMessage("needs a kind and a reason", () -> DeadLetters.of(raw, "", "why", null, Instant.EPOCH));
        assertMessage("needs its source record", () -> DeadLetters.of(null, "KIND", "why", null, Instant.EPOCH));
    }

    @Test
    @Timeout(10)
    void topicCheck() {
        assertMessage("no topics to check", () -> KafkaTopics.requireExisting(LOCAL, Duration.ofSeconds(1)));
        assertMessage("timeout must be positive", () -> KafkaTopics.requireExisting(LOCAL, Duration.ZERO, "q"));
    }

    private static void assertMessage(String expected, Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertTrue(e.getMessage().contains(expected), () -> "expected \"" + expected + "\" in: " + e.getMessage());
    }
}
