package dev.moaflink.connectors.kafka.internal;

import org.apache.flink.annotation.Internal;

/** A binary Avro payload that does not match the schema it claims to be written with. */
@Internal
public final class MalformedPayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedPayloadException(String message) {
        super(message);
    }
}
