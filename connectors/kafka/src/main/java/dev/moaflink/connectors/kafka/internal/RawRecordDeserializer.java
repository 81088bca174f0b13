package dev.moaflink.connectors.kafka.internal;

import dev.moaflink.connectors.kafka.RawRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Wraps each consumer record as a {@link RawRecord} without looking at its bytes, so nothing a producer
 * writes can make the source fail; decoding happens downstream where failures are dead-lettered.
 */
@Internal
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        out.collect(new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value()));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
