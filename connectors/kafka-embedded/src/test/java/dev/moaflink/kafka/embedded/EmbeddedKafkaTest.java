package dev.moaflink.kafka.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EmbeddedKafkaTest {

    @Test
    @Timeout(60)
    void committedTransactionIsVisibleToReadCommittedAndAbortedOneIsNot() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(2, "events");
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("events", "k1", "aborted"));
                producer.flush();
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("events", "k1", "one"));
                producer.send(new ProducerRecord<>("events", "k2", "two"));
                producer.commitTransaction();
            }
            assertEquals(List.of("one", "two"), readCommitted(kafka, "events", 2).stream().sorted().toList());
        }
    }

    @Test
    @Timeout(60)
    void twoInstancesRunSideBySideAndCloseDeletesTheLogDirectory() throws Exception {
        Path logDir;
        try (EmbeddedKafka first = EmbeddedKafka.start(); EmbeddedKafka second = EmbeddedKafka.start()) {
            assertNotEquals(first.bootstrapServers(), second.bootstrapServers());
            first.createTopics(1, "only-on-first");
            second.createTopics(1, "only-on-second");
            assertEquals(List.of("only-on-first"), topicNames(first));
            assertEquals(List.of("only-on-second"), topicNames(second));
            logDir = logDirOf(second);
            assertTrue(Files.isDirectory(logDir));
        }
        assertFalse(Files.exists(logDir), "log directory should be deleted on close");
    }

    @Test
    @Timeout(60)
    void closedBrokerNoLongerAcceptsConnectionsAndClosingTwiceIsHarmless() {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        String[] hostPort = kafka.bootstrapServers().split(":");
        kafka.close();
        kafka.close();
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 1000);
            }
        });
    }

    @Test
    @Timeout(60)
    void producingToAMissingTopicFailsInsteadOfCreatingIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000"),
                        new StringSerializer(), new StringSerializer())) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("never-created", "v")).get(10, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, failure.getCause());
            assertEquals(List.of(), topicNames(kafka));
        }
    }

    @Test
    @Timeout(60)
    void extraBrokerPropertiesOverrideTheDefaults() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokerProperty("num.partitions", "3").start();
                Admin admin = admin(kafka)) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(broker)).all().get(10, TimeUnit.SECONDS).get(broker);
            assertEquals("3", config.get("num.partitions").value());
        }
    }

    @Test
    @Timeout(60)
    void aFixedPortIsUsedAndAPortInUseFailsTheSecondStart() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(port).start()) {
            assertEquals("127.0.0.1:" + port, kafka.bootstrapServers());
            // The broker logs this failure at ERROR, with its stack trace.
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> EmbeddedKafka.builder().port(port).start());
            assertTrue(e.getMessage().startsWith("could not start Kafka on 127.0.0.1:" + port), e.getMessage());
            kafka.createTopics(1, "still-served");
            assertEquals(List.of("still-served"), topicNames(kafka));
        }
    }

    @Test
    @Timeout(10)
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> EmbeddedKafka.builder().port(70000));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedKafka.builder().port(-1));
    }

    private static List<String> topicNames(EmbeddedKafka kafka) throws Exception {
        try (Admin admin = admin(kafka)) {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS).stream().sorted().toList();
        }
    }

    private static Path logDirOf(EmbeddedKafka kafka) throws Exception {
        try (Admin admin = admin(kafka)) {
            return Path.of(admin.describeLogDirs(List.of(1)).allDescriptions().get(10, TimeUnit.SECONDS)
                    .get(1).keySet().iterator().next());
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-" + UUID.randomUUID()),
                new StringSerializer(), new StringSerializer());
    }

    private static List<String> readCommitted(EmbeddedKafka kafka, String topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            // Keep polling a little after reaching the expected count so that extra records would show.
            int quietPolls = 0;
            while (System.nanoTime() < deadline && (values.size() < expected || quietPolls < 3)) {
                int before = values.size();
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                quietPolls = values.size() >= expected && values.size() == before ? quietPolls + 1 : 0;
            }
        }
        return values;
    }
}
