package dev.moaflink.connectors.kafka;

import java.io.Serializable;

/**
 * Reads one Kafka record value back into a record. A value that is not a valid record of the type is a
 * {@link DecodeException} saying why (for a dead letter), never a runtime exception.
 */
@FunctionalInterface
public interface ValueDecoder<T> extends Serializable {

    T decode(byte[] value) throws DecodeException;
}
