package dev.moaflink.connectors.kafka;

import java.nio.ByteBuffer;
import java.time.Instant;

import dev.moaflink.schema.DeadLetter;

/** Builds {@link DeadLetter} records for inputs the job could not process, and their sink. */
public final class DeadLetters {
    private DeadLetters() {
    }

    /**
     * A dead letter keeping the raw bytes and where they came from.
     *
     * @param kind    machine-readable class of failure, e.g. {@code MALFORMED_AVRO} or {@code EMPTY_TEXT}
     * @param reason  explanation for a person
     * @param queryId the query id when the record decoded far enough to have one, else null
     */
    public static DeadLetter of(RawRecord source, String kind, String reason, String queryId, Instant failedAt) {
        if (source == null || failedAt == null) {
            throw new IllegalArgumentException("a dead letter needs its source record and failure time");
        }
        if (kind == null || kind.isBlank() || reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a dead letter needs a kind and a reason, got " + kind + ": " + reason);
        }
        return DeadLetter.newBuilder()
                .setPayload(source.value() == null ? null : ByteBuffer.wrap(source.value()))
                .setKey(source.key() == null ? null : ByteBuffer.wrap(source.key()))
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setQueryId(queryId)
                .setKind(kind)
                .setReason(reason)
                .setFailedAt(failedAt)
                .build();
    }

    /** A dead letter for a record that failed to decode; the kind is the {@link DecodeException.Kind} name. */
    public static DeadLetter of(RawRecord source, DecodeException error, Instant failedAt) {
        return of(source, error.kind().name(), error.getMessage(), null, failedAt);
    }

    /**
     * A sink builder for dead letters, keyed by source coordinates ({@code topic-partition@offset}) so
     * they spread over partitions; set the topic and delivery guarantee as for any {@link RecordSinkBuilder}.
     */
    public static RecordSinkBuilder<DeadLetter> sink(KafkaConnection connection) {
        return KafkaSinks.avro(connection, AvroCodec.of(DeadLetter.class))
                .keyExtractor(d -> d.getSourceTopic() + "-" + d.getSourcePartition() + "@" + d.getSourceOffset());
    }
}
