package dev.moaflink.connectors.kafka.internal;

import java.nio.charset.StandardCharsets;

import dev.moaflink.connectors.kafka.AvroCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes each element to one topic: the value Avro-encoded, the key the extractor's string in UTF-8. */
@Internal
public final class AvroRecordSerializer<IN, T extends SpecificRecord> implements KafkaRecordSerializationSchema<IN> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final AvroCodec<T> codec;
    private final SerializableFunction<IN, T> toAvro;
    private final SerializableFunction<T, String> keyExtractor;

    /**
     * @param toAvro converts the stream's element to the Avro record (identity when the stream already
     *               carries Avro records); lets jobs keep Flink-native types on the hot path
     */
    public AvroRecordSerializer(String topic, AvroCodec<T> codec, SerializableFunction<IN, T> toAvro,
                                SerializableFunction<T, String> keyExtractor) {
        this.topic = topic;
        this.codec = codec;
        this.toAvro = toAvro;
        this.keyExtractor = keyExtractor;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(IN input, KafkaSinkContext context, Long timestamp) {
        T element = toAvro.apply(input);
        String key = keyExtractor.apply(element);
        // No partition and no timestamp: the key picks the partition, the producer stamps the write time.
        return new ProducerRecord<>(topic, null, null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), codec.encode(element));
    }
}
