package dev.moaflink.connectors.kafka;

/**
 * A payload that could not be decoded. {@link #kind()} says why in a form a dead-letter consumer can
 * filter on; the message says it for a person.
 */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a payload could not be decoded. */
    public enum Kind {
        /** Not in the expected Avro framing (single-object or Schema-Registry), or bytes that do not match the schema they claim. */
        MALFORMED_AVRO,
        /** Well-formed, but written with a schema this decoder does not know (another record type, or an unregistered version). */
        UNKNOWN_SCHEMA,
        /** Written with a schema the decoder knows but cannot read as its own (an incompatible evolution, not Avro). */
        INCOMPATIBLE_SCHEMA,
        /** Null (a tombstone) or zero bytes. */
        EMPTY
    }

    private final Kind kind;

    public DecodeException(Kind kind, String message) {
        this(kind, message, null);
    }

    public DecodeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
