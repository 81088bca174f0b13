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
    public static <T extends SpecificRecord> AvroSinkBuilder<T> avro(KafkaConnection connection, AvroCodec<T> codec) {
        return new AvroSinkBuilder<>(connection, codec);
    }
}
