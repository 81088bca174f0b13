package dev.moaflink.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A single-node Kafka (KRaft, combined broker and controller) running inside this JVM, for tests, the
 * demo and local runs. It listens on 127.0.0.1 only, keeps its log in a temporary directory deleted on
 * {@link #close()}, and is configured so that transactions (Flink's exactly-once sink) work on one node.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     kafka.createTopics(2, "queries", "answers");
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaRaftServer server;
    private final Path logDir;
    private final String bootstrapServers;
    private final Admin admin;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, Path logDir, String bootstrapServers) {
        this.server = server;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Starts a broker on a free port with the default settings; returns once it accepts clients. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address clients connect to, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates the topics (replication factor 1) and returns once every partition has a leader, so a
     * producer or consumer started right after does not race the metadata propagation.
     */
    public void createTopics(int partitions, String... names) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        if (names.length == 0) {
            throw new IllegalArgumentException("no topic names given");
        }
        List<NewTopic> topics = Arrays.stream(names).map(name -> new NewTopic(name, partitions, (short) 1)).toList();
        await(admin.createTopics(topics).all(), "create topics " + List.of(names));
        awaitLeaders(List.of(names));
    }

    private void awaitLeaders(List<String> names) {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> described =
                        await(admin.describeTopics(names).allTopicNames(), "describe topics " + names);
                boolean ready = described.values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (IllegalStateException e) {
                // The broker may not know a just-created topic yet; retry until the deadline.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " have no leader after " + ADMIN_TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /** Shuts the broker down and deletes its log directory; later calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        admin.close(Duration.ZERO);
        server.shutdown();
        server.awaitShutdown();
        deleteQuietly(logDir);
    }

    /**
     * Runs a broker until Ctrl-C or end of standard input: {@code [PORT] [--topics a,b,c] [--partitions N]
     * [--daemon]}. With {@code --daemon} it ignores standard input and runs until it is killed (SIGTERM closes it).
     * Prints {@code bootstrap.servers=127.0.0.1:PORT} once it is ready and the topics exist.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Builder builder = builder();
        String topics = null;
        int partitions = 1;
        boolean daemon = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--topics" -> topics = args[++i];
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--daemon" -> daemon = true;
                default -> builder.port(Integer.parseInt(args[i]));
            }
        }
        EmbeddedKafka kafka = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "embedded-kafka-shutdown"));
        if (topics != null) {
            kafka.createTopics(partitions, topics.split(","));
        }
        System.out.println("bootstrap.servers=" + kafka.bootstrapServers());
        if (daemon) {
            System.out.println("Running until killed.");
            Thread.currentThread().join();
        }
        System.out.println("Press Ctrl-C or close standard input to stop.");
        while (System.in.read() != -1) {
            // Drain input: only end of stream stops the broker.
        }
        kafka.close();
    }

    private static <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not " + what + " within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            // A leftover temp directory must not fail a test that has otherwise passed.
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    /** Settings for {@link EmbeddedKafka}; anything not set keeps the single-node defaults. */
    public static final class Builder {
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private int port;

        private Builder() {
        }

        /** The client (PLAINTEXT) port; 0, the default, picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be within 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Overrides or adds one broker setting, e.g. {@code log.retention.ms}. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            brokerProperties.putAll(properties);
            return this;
        }

        /** Formats a fresh log directory and starts the server; returns once it accepts clients. */
        public EmbeddedKafka start() {
            Path logDir = createTempDir();
            try {
                int clientPort = port == 0 ? freePort() : port;
                int controllerPort = freePort();
                KafkaConfig config = KafkaConfig.fromProps(
                        SingleNodeConfig.properties(logDir, clientPort, controllerPort, brokerProperties));
                format(config, logDir);
                KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
                try {
                    server.startup();
                } catch (RuntimeException e) {
                    // Stop the threads that did start, e.g. the controller when the broker port was taken.
                    server.shutdown();
                    throw new IllegalStateException("could not start Kafka on 127.0.0.1:" + clientPort
                            + " (controller port " + controllerPort + "): " + e.getMessage(), e);
                }
                return new EmbeddedKafka(server, logDir, "127.0.0.1:" + clientPort);
            } catch (RuntimeException e) {
                deleteQuietly(logDir);
                throw e;
            }
        }

        private static void format(KafkaConfig config, Path logDir) {
            Formatter formatter = new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(SingleNodeConfig.NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(SingleNodeConfig.CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(logDir.toString());
            try {
                formatter.run();
            } catch (Exception e) {
                throw new IllegalStateException("could not format Kafka log directory " + logDir, e);
            }
        }

        private static Path createTempDir() {
            try {
                return Files.createTempDirectory("embedded-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a temporary log directory", e);
            }
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("could not find a free port on 127.0.0.1", e);
            }
        }
    }
}
