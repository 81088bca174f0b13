package dev.moaflink.connectors.kafka;

import java.util.Arrays;
import java.util.Objects;

/**
 * One Kafka record exactly as it was read, not yet decoded. The source emits these so that a record
 * which fails to decode can still be dead-lettered with the topic, partition and offset it came from.
 * Flink serializes it as a POJO (all fields are String, int, long or byte[]).
 *
 * @param key   the record key, or null
 * @param value the record value, or null for a tombstone
 */
public record RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {

    /** Where the record came from, e.g. {@code queries-1@42}. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }

    // A record's generated equals would compare the byte arrays by identity.
    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord r
                && partition == r.partition
                && offset == r.offset
                && timestamp == r.timestamp
                && Objects.equals(topic, r.topic)
                && Arrays.equals(key, r.key)
                && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, timestamp, Arrays.hashCode(key), Arrays.hashCode(value));
    }

    // Payloads may be large or sensitive: show their sizes, not their bytes.
    @Override
    public String toString() {
        return "RawRecord[" + coordinates() + ", timestamp=" + timestamp
                + ", key=" + length(key) + ", value=" + length(value) + "]";
    }

    private static String length(byte[] bytes) {
        return bytes == null ? "null" : bytes.length + " bytes";
    }
}
