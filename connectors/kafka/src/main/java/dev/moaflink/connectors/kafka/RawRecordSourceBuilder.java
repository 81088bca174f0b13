package dev.moaflink.connectors.kafka;

import java.util.Arrays;
import java.util.List;

import dev.moaflink.connectors.kafka.internal.RawRecordDeserializer;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Builds a {@link KafkaSource} of {@link RawRecord}s. Topics and a group id are required; options are
 * checked when set and again, together, in {@link #build()}.
 *
 * <p>The source reads {@code read_committed}: records of open or aborted transactions are never
 * emitted, so an upstream exactly-once producer's output is seen once, after its commit.
 */
public final class RawRecordSourceBuilder {
    private final KafkaConnection connection;
    private List<String> topics = List.of();
    private String groupId;
    private StartingOffsets startingOffsets = StartingOffsets.COMMITTED_OR_EARLIEST;
    private boolean bounded;

    RawRecordSourceBuilder(KafkaConnection connection) {
        if (connection == null) {
            throw new IllegalArgumentException("a KafkaConnection is required");
        }
        this.connection = connection;
    }

    public RawRecordSourceBuilder topics(String... names) {
        if (names.length == 0 || Arrays.stream(names).anyMatch(n -> n == null || n.isBlank())) {
            throw new IllegalArgumentException("topics must be one or more non-blank names, got " + Arrays.toString(names));
        }
        this.topics = List.of(names);
        return this;
    }

    /**
     * The consumer group. The source commits its checkpointed offsets to it (for monitoring lag, and
     * as the start point for {@link StartingOffsets#COMMITTED_OR_EARLIEST}); it does not use the group
     * to assign partitions.
     */
    public RawRecordSourceBuilder groupId(String groupId) {
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("group id must not be blank");
        }
        this.groupId = groupId;
        return this;
    }

    /** Where to start without a checkpoint; default {@link StartingOffsets#COMMITTED_OR_EARLIEST}. */
    public RawRecordSourceBuilder startingOffsets(StartingOffsets startingOffsets) {
        if (startingOffsets == null) {
            throw new IllegalArgumentException("starting offsets must not be null");
        }
        this.startingOffsets = startingOffsets;
        return this;
    }

    /**
     * Stops at the offsets that are latest when the job starts, for batch runs. The end is the high
     * watermark: a transaction still open at that point holds the source until it commits or aborts.
     */
    public RawRecordSourceBuilder bounded() {
        this.bounded = true;
        return this;
    }

    public KafkaSource<RawRecord> build() {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("at least one topic is required: call topics(..)");
        }
        if (groupId == null) {
            throw new IllegalArgumentException("a group id is required: call groupId(..)");
        }
        connection.requireUnset(ConsumerConfig.GROUP_ID_CONFIG, "use groupId(..)");
        connection.requireUnset(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "the source always reads read_committed");
        KafkaSourceBuilder<RawRecord> builder = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(connection.bootstrapServers())
                .setTopics(topics)
                .setGroupId(groupId)
                .setStartingOffsets(initializer(startingOffsets))
                .setDeserializer(new RawRecordDeserializer());
        connection.clientProperties().forEach(builder::setProperty);
        builder.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    // Flink's OffsetsInitializer still takes the OffsetResetStrategy that kafka-clients 4 deprecates.
    @SuppressWarnings("deprecation")
    private static OffsetsInitializer initializer(StartingOffsets offsets) {
        return switch (offsets) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED_OR_EARLIEST -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }
}
