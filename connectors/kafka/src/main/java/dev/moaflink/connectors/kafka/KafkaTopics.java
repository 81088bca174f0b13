package dev.moaflink.connectors.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Checks a job's topics before it starts, so a misspelt topic fails fast with a clear message. */
public final class KafkaTopics {
    private KafkaTopics() {
    }

    /**
     * Returns when every topic exists.
     *
     * @throws IllegalStateException naming the missing topics and the bootstrap servers, or saying that
     *                               the cluster could not be asked within the timeout
     */
    public static void requireExisting(KafkaConnection connection, Duration timeout, String... topics) {
        if (topics.length == 0) {
            throw new IllegalArgumentException("no topics to check");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        List<String> names = List.of(topics);
        int timeoutMs = (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE);
        Admin admin = admin(connection, timeoutMs);
        try {
            Map<String, KafkaFuture<TopicDescription>> described = admin
                    .describeTopics(names, new DescribeTopicsOptions().timeoutMs(timeoutMs))
                    .topicNameValues();
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                if (!exists(described.get(name), name, connection, timeout)) {
                    missing.add(name);
                }
            }
            if (missing.size() == 1) {
                throw new IllegalStateException("topic " + missing.get(0) + " does not exist on bootstrap "
                        + connection.bootstrapServers());
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("topics " + missing + " do not exist on bootstrap "
                        + connection.bootstrapServers());
            }
        } finally {
            // Nothing is pending that matters; do not wait for an unreachable cluster a second time.
            admin.close(Duration.ZERO);
        }
    }

    /**
     * The brokers' {@code transaction.max.timeout.ms} (the smallest over the cluster's brokers), or -1 when it cannot
     * be read (e.g. no DescribeConfigs permission). A transactional producer asking for more is refused by the broker
     * at its first transaction; checking at submission turns that into a clear message.
     */
    public static long brokerTransactionMaxTimeoutMs(KafkaConnection connection, Duration timeout) {
        int timeoutMs = (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE);
        Admin admin = admin(connection, timeoutMs);
        try {
            List<org.apache.kafka.common.config.ConfigResource> brokers = new ArrayList<>();
            for (org.apache.kafka.common.Node n : admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS)) {
                brokers.add(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.BROKER, n.idString()));
            }
            long min = Long.MAX_VALUE;
            for (var c : admin.describeConfigs(brokers).all().get(timeoutMs, TimeUnit.MILLISECONDS).values()) {
                var entry = c.get("transaction.max.timeout.ms");
                if (entry != null && entry.value() != null) {
                    min = Math.min(min, Long.parseLong(entry.value()));
                }
            }
            return min == Long.MAX_VALUE ? -1 : min;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private static Admin admin(KafkaConnection connection, int timeoutMs) {
        Map<String, Object> config = new HashMap<>(connection.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        return Admin.create(config);
    }

    private static boolean exists(KafkaFuture<TopicDescription> future, String name, KafkaConnection connection,
            Duration timeout) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw unreachable(name, connection, timeout, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(name, connection, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking topic " + name, e);
        }
    }

    private static IllegalStateException unreachable(String name, KafkaConnection connection, Duration timeout,
            Throwable cause) {
        return new IllegalStateException("could not check topic " + name + " on bootstrap "
                + connection.bootstrapServers() + " within " + timeout + ": " + cause, cause);
    }
}
