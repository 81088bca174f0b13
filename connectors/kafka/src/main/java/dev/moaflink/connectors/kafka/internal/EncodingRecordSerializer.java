package dev.moaflink.connectors.kafka.internal;

import java.nio.charset.StandardCharsets;

import dev.moaflink.connectors.kafka.ValueEncoder;
import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes each element to one topic: the value as the encoder writes it, the key the extractor's string in UTF-8. */
@Internal
public final class EncodingRecordSerializer<IN, T> implements KafkaRecordSerializationSchema<IN> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final ValueEncoder<T> encoder;
    private final SerializableFunction<IN, T> convert;
    private final SerializableFunction<T, String> keyExtractor;

    /**
     * @param convert converts the stream's element to the record the encoder writes (identity when the stream
     *                already carries them); lets jobs keep Flink-native types on the hot path
     */
    public EncodingRecordSerializer(String topic, ValueEncoder<T> encoder, SerializableFunction<IN, T> convert,
                                    SerializableFunction<T, String> keyExtractor) {
        this.topic = topic;
        this.encoder = encoder;
        this.convert = convert;
        this.keyExtractor = keyExtractor;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(IN input, KafkaSinkContext context, Long timestamp) {
        T element = convert.apply(input);
        String key = keyExtractor.apply(element);
        // No partition and no timestamp: the key picks the partition, the producer stamps the write time.
        return new ProducerRecord<>(topic, null, null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), encoder.encode(element));
    }
}
