package dev.moaflink.connectors.kafka;

/** Entry point for Kafka sources. */
public final class KafkaSources {
    private KafkaSources() {
    }

    /**
     * A source of undecoded {@link RawRecord}s, read with {@code isolation.level=read_committed}.
     *
     * <pre>{@code
     * KafkaSource<RawRecord> source = KafkaSources.rawRecords(KafkaConnection.of("localhost:9092"))
     *         .topics("queries")
     *         .groupId("moa")
     *         .startingOffsets(StartingOffsets.COMMITTED_OR_EARLIEST)
     *         .build();
     * }</pre>
     */
    public static RawRecordSourceBuilder rawRecords(KafkaConnection connection) {
        return new RawRecordSourceBuilder(connection);
    }
}
