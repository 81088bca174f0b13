package dev.moaflink.connectors.kafka.internal;

import java.nio.ByteBuffer;

import org.apache.avro.Schema;
import org.apache.flink.annotation.Internal;

/**
 * Walks a binary Avro payload against its writer schema without building anything, checking that every
 * length, count and index fits the bytes that are left and that no bytes trail the record. Avro's own
 * decoder allocates whatever a length prefix claims, so one corrupted byte could ask for gigabytes.
 */
@Internal
public final class PayloadScanner {
    private final ByteBuffer in;

    private PayloadScanner(ByteBuffer in) {
        this.in = in;
    }

    /** Scans {@code payload} from {@code offset} to its end as one datum of {@code schema}. */
    public static void scan(Schema schema, byte[] payload, int offset) throws MalformedPayloadException {
        PayloadScanner scanner = new PayloadScanner(ByteBuffer.wrap(payload, offset, payload.length - offset));
        scanner.skip(schema);
        if (scanner.in.hasRemaining()) {
            throw new MalformedPayloadException(scanner.in.remaining() + " bytes trail the record");
        }
    }

    private void skip(Schema schema) throws MalformedPayloadException {
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> skipBytes(1);
            case INT, LONG -> readLong();
            case FLOAT -> skipBytes(4);
            case DOUBLE -> skipBytes(8);
            case STRING, BYTES -> skipBytes(readLength("length"));
            case FIXED -> skipBytes(schema.getFixedSize());
            case ENUM -> readIndex(schema.getEnumSymbols().size(), "enum symbol");
            case UNION -> skip(schema.getTypes().get(readIndex(schema.getTypes().size(), "union branch")));
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    skip(field.schema());
                }
            }
            case ARRAY -> skipBlocks(schema.getElementType(), false);
            case MAP -> skipBlocks(schema.getValueType(), true);
        }
    }

    /** Arrays and maps are blocks of items, each block a count (negative: followed by a byte size), ending with 0. */
    private void skipBlocks(Schema item, boolean keyed) throws MalformedPayloadException {
        for (long count = readLong(); count != 0; count = readLong()) {
            if (count < 0) {
                count = -count;
                readLength("block size");
            }
            // Only items of zero bytes (null, empty records) could outnumber the bytes left; nobody
            // writes those in bulk, while a corrupted count would make Avro allocate a huge array.
            if (count < 0 || count > in.remaining()) {
                throw new MalformedPayloadException("a block claims " + count + " items but only "
                        + in.remaining() + " bytes are left");
            }
            for (long i = 0; i < count; i++) {
                if (keyed) {
                    skipBytes(readLength("map key length"));
                }
                skip(item);
            }
        }
    }

    private int readIndex(int size, String what) throws MalformedPayloadException {
        long index = readLong();
        if (index < 0 || index >= size) {
            throw new MalformedPayloadException(what + " index " + index + " is outside 0.." + (size - 1));
        }
        return (int) index;
    }

    private int readLength(String what) throws MalformedPayloadException {
        long length = readLong();
        if (length < 0 || length > in.remaining()) {
            throw new MalformedPayloadException(what + " " + length + " does not fit the " + in.remaining() + " bytes left");
        }
        return (int) length;
    }

    private void skipBytes(int count) throws MalformedPayloadException {
        if (count > in.remaining()) {
            throw new MalformedPayloadException("truncated: needs " + count + " more bytes, " + in.remaining() + " left");
        }
        in.position(in.position() + count);
    }

    /** A zig-zag variable-length long, as Avro writes int, long, lengths and counts. */
    private long readLong() throws MalformedPayloadException {
        long raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!in.hasRemaining()) {
                throw new MalformedPayloadException("truncated inside a number");
            }
            byte b = in.get();
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new MalformedPayloadException("a number is longer than 10 bytes");
    }
}
