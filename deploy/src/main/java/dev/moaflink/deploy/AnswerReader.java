package dev.moaflink.deploy;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.connectors.kafka.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads Avro records of one type from a topic from the beginning, as a {@code read_committed} consumer (so
 * only answers of committed transactions are seen).
 */
public final class AnswerReader<T extends SpecificRecord> implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroCodec<T> codec;

    public AnswerReader(KafkaConnection connection, String topic, Class<T> type) {
        this.consumer = committedConsumer(connection, "moa-reader-");
        this.consumer.subscribe(List.of(topic));
        this.codec = AvroCodec.of(type);
    }

    /**
     * A consumer of string keys and raw values that reads a topic from the start, committed records only
     * (read_committed), in a fresh group named {@code groupPrefix} + a random suffix.
     */
    public static KafkaConsumer<String, byte[]> committedConsumer(KafkaConnection connection, String groupPrefix) {
        Map<String, Object> props = new HashMap<>(connection.clientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(props);
    }

    /**
     * Polls until {@code count} records arrived or {@code timeout} passed; hands each to {@code onRecord}
     * as it arrives and returns all of them.
     */
    public List<T> read(int count, Duration timeout, Consumer<T> onRecord) {
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                try {
                    T value = codec.decode(r.value());
                    out.add(value);
                    onRecord.accept(value);
                } catch (DecodeException e) {
                    throw new IllegalStateException("undecodable record at " + r.topic() + "/" + r.partition() + "@"
                            + r.offset() + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /**
     * Counts records without decoding them (cheap, so a benchmark's reader does not compete with the job
     * for CPU) until {@code count} arrived or {@code timeout} passed; returns how many arrived.
     */
    public int count(int count, Duration timeout) {
        int seen = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen < count && System.nanoTime() < deadline) {
            seen += consumer.poll(Duration.ofMillis(20)).count();
        }
        return seen;
    }

    /** Reads whatever arrives within {@code quiet} of the last record (e.g. to check nothing extra comes). */
    public List<T> drain(Duration quiet) {
        return read(Integer.MAX_VALUE, quiet, r -> { });
    }

    @Override
    public void close() {
        consumer.close();
    }
}
