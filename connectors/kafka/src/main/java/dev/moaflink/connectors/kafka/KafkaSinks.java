package dev.moaflink.connectors.kafka;

import org.apache.avro.specific.SpecificRecord;

/** Entry point for Kafka sinks. */
public final class KafkaSinks {
    private KafkaSinks() {
    }

    /**
     * A sink writing Avro single-object encoded records of one type.
     *
     * <pre>{@code
     * KafkaSink<Answer> sink = KafkaSinks.avro(connection, AvroCodec.of(Answer.class))
     *         .topic("answers")
     *         .keyExtractor(Answer::getQueryId)
     *         .transactionalIdPrefix("moa-answers")
     *         .build();
     * }</pre>
     */
    public static <T extends SpecificRecord> RecordSinkBuilder<T> avro(KafkaConnection connection, AvroCodec<T> codec) {
        if (codec == null) {
            throw new IllegalArgumentException("an AvroCodec is required");
        }
        return new RecordSinkBuilder<>(connection, codec);
    }

    /** A sink writing records of one type with any value encoding, e.g. Schema-Registry Avro or JSON. */
    public static <T> RecordSinkBuilder<T> records(KafkaConnection connection, ValueEncoder<T> encoder) {
        return new RecordSinkBuilder<>(connection, encoder);
    }
}
