package dev.moaflink.kafka.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/** The broker settings that let one combined broker-controller node behave like a small cluster. */
final class SingleNodeConfig {
    static final int NODE_ID = 1;
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private SingleNodeConfig() {
    }

    static Properties properties(Path logDir, int clientPort, int controllerPort, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // Internal topics default to replication factor 3 (impossible on one node) and 50 partitions
        // (the first consumer group or transaction would wait seconds for them to be created).
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Producers may not ask for a longer transaction timeout than this (Flink's sink: 10 minutes).
        p.put("transaction.max.timeout.ms", String.valueOf(Duration.ofMinutes(15).toMillis()));
        p.put("group.initial.rebalance.delay.ms", "0");
        // Topics are created on purpose; a misspelt name should fail, not create an empty topic.
        p.put("auto.create.topics.enable", "false");
        p.putAll(overrides);
        return p;
    }
}
