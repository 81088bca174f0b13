package dev.moaflink.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import dev.moaflink.kafka.embedded.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KafkaTopicsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static EmbeddedKafka kafka;
    private static KafkaConnection connection;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(1, "queries", "answers");
        connection = KafkaConnection.of(kafka.bootstrapServers());
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    @Timeout(60)
    void readsTheBrokersTransactionMaximum() {
        assertEquals(900_000L, KafkaTopics.brokerTransactionMaxTimeoutMs(KafkaConnection.of(kafka.bootstrapServers()),
                Duration.ofSeconds(20)), "Kafka's default, 15 minutes");
    }

    @Test
    @Timeout(30)
    void existingTopicsPass() {
        KafkaTopics.requireExisting(connection, TIMEOUT, "queries", "answers");
    }

    @Test
    @Timeout(30)
    void aMissingTopicIsNamedWithTheBootstrapServers() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaTopics.requireExisting(connection, TIMEOUT, "queries", "anwsers"));
        assertEquals("topic anwsers does not exist on bootstrap " + kafka.bootstrapServers(), e.getMessage());

        IllegalStateException both = assertThrows(IllegalStateException.class,
                () -> KafkaTopics.requireExisting(connection, TIMEOUT, "a", "b"));
        assertEquals("topics [a, b] do not exist on bootstrap " + kafka.bootstrapServers(), both.getMessage());
    }

    @Test
    @Timeout(30)
    void anUnreachableClusterFailsWithinTheTimeout() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        KafkaConnection nowhere = KafkaConnection.of("127.0.0.1:" + closedPort);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaTopics.requireExisting(nowhere, Duration.ofSeconds(1), "queries"));
        assertTrue(e.getMessage().startsWith("could not check topic queries on bootstrap 127.0.0.1:" + closedPort),
                e.getMessage());
    }
}
