package dev.moaflink.connectors.kafka;

import java.io.Serializable;

/**
 * Turns one element into a Kafka record value: Avro single-object encoding ({@link AvroCodec}), Schema-Registry
 * framed Avro, JSON. Serializable: it travels inside the sink to every task.
 */
@FunctionalInterface
public interface ValueEncoder<T> extends Serializable {

    /** @throws IllegalArgumentException when the element cannot be written in this encoding */
    byte[] encode(T value);
}
