package dev.moaflink.connectors.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a Kafka cluster is and how to talk to it: bootstrap servers plus client properties shared by
 * sources, sinks and admin checks (e.g. {@code security.protocol}, {@code sasl.jaas.config}).
 *
 * @param clientProperties extra Kafka client settings; {@code bootstrap.servers} is not allowed here
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) {

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers are required, e.g. \"localhost:9092\"");
        }
        if (clientProperties == null) {
            throw new IllegalArgumentException("client properties must not be null (use an empty map)");
        }
        clientProperties.forEach((key, value) -> {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("client property " + key + " must have a non-blank name and a value");
            }
        });
        if (clientProperties.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException(
                    "set bootstrap servers through KafkaConnection.bootstrapServers, not client property bootstrap.servers");
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaConnection of(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    public KafkaConnection withClientProperty(String key, String value) {
        Map<String, String> merged = new LinkedHashMap<>(clientProperties);
        merged.put(key, value);
        return new KafkaConnection(bootstrapServers, merged);
    }

    public KafkaConnection withClientProperties(Map<String, String> properties) {
        Map<String, String> merged = new LinkedHashMap<>(clientProperties);
        merged.putAll(properties);
        return new KafkaConnection(bootstrapServers, merged);
    }

    /** Fails when a client property would override a setting that a builder owns. */
    void requireUnset(String key, String instead) {
        if (clientProperties.containsKey(key)) {
            throw new IllegalArgumentException("client property " + key + " is not allowed here: " + instead);
        }
    }

    // Client properties often hold credentials (sasl.jaas.config, ssl passwords): never print values.
    @Override
    public String toString() {
        return "KafkaConnection[bootstrapServers=" + bootstrapServers
                + ", clientProperties=" + clientProperties.keySet().stream().sorted().toList() + "]";
    }
}
