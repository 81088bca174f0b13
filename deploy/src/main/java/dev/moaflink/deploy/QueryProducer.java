package dev.moaflink.deploy;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.schema.Query;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes Avro {@link Query} records to a topic, keyed by query id, stamping submitted_at at send time. */
public final class QueryProducer implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final AvroCodec<Query> codec = AvroCodec.of(Query.class);
    private final String topic;

    public QueryProducer(KafkaConnection connection, String topic) {
        Map<String, Object> props = new HashMap<>(connection.clientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props);
        this.topic = topic;
    }

    /** Sends one query now (submitted_at = now). */
    public void send(Query query) {
        query.setSubmittedAt(Instant.now());
        producer.send(new ProducerRecord<>(topic, query.getId(), codec.encode(query)));
    }

    /** Sends raw bytes, e.g. to show what happens to a malformed record. */
    public void sendRaw(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
