package dev.moaflink.connectors.kafka;

import java.time.Duration;

import dev.moaflink.connectors.kafka.internal.EncodingRecordSerializer;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Builds a {@link KafkaSink} writing one record type with a {@link ValueEncoder} (Avro single-object encoding,
 * Schema-Registry Avro, JSON). A topic is required; with the default
 * {@link DeliveryGuarantee#EXACTLY_ONCE} so is a transactional id prefix. Options are checked when set
 * and again, together, in {@link #build()}.
 *
 * <p><b>Exactly once</b> writes each checkpoint's records in a Kafka transaction that commits when the
 * checkpoint completes: {@code read_committed} consumers see records only then (latency of up to one
 * checkpoint interval), and never see records of a failed attempt. It needs checkpointing enabled;
 * without it nothing is ever committed. {@code read_uncommitted} consumers see records at once,
 * including those of attempts that are later aborted.
 *
 * <p><b>At least once</b> flushes on every checkpoint and is visible at once; after a failure, records
 * since the last checkpoint are written again.
 */
public final class RecordSinkBuilder<T> {
    /** Below the broker's default {@code transaction.max.timeout.ms} of 15 minutes. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    private final KafkaConnection connection;
    private final ValueEncoder<T> encoder;
    private String topic;
    private SerializableFunction<T, String> keyExtractor = record -> null;
    private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.EXACTLY_ONCE;
    private String transactionalIdPrefix;
    private Duration transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT;

    RecordSinkBuilder(KafkaConnection connection, ValueEncoder<T> encoder) {
        if (connection == null) {
            throw new IllegalArgumentException("a KafkaConnection is required");
        }
        if (encoder == null) {
            throw new IllegalArgumentException("a value encoder is required");
        }
        this.connection = connection;
        this.encoder = encoder;
    }

    public RecordSinkBuilder<T> topic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank");
        }
        this.topic = topic;
        return this;
    }

    /**
     * The record key (UTF-8), e.g. {@code Answer::getQueryId}; records with equal keys go to the same
     * partition, in order. The extractor may return null for no key. Default: no key.
     */
    public RecordSinkBuilder<T> keyExtractor(SerializableFunction<T, String> keyExtractor) {
        if (keyExtractor == null) {
            throw new IllegalArgumentException("key extractor must not be null");
        }
        this.keyExtractor = keyExtractor;
        return this;
    }

    /** {@link DeliveryGuarantee#EXACTLY_ONCE} (default) or {@link DeliveryGuarantee#AT_LEAST_ONCE}. */
    public RecordSinkBuilder<T> deliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
        if (deliveryGuarantee != DeliveryGuarantee.EXACTLY_ONCE && deliveryGuarantee != DeliveryGuarantee.AT_LEAST_ONCE) {
            throw new IllegalArgumentException("delivery guarantee must be EXACTLY_ONCE or AT_LEAST_ONCE, got "
                    + deliveryGuarantee + " (NONE may lose records on failure)");
        }
        this.deliveryGuarantee = deliveryGuarantee;
        return this;
    }

    /**
     * Prefix of the Kafka transactional ids, required for exactly once. It must be unique among all
     * jobs writing to the cluster and stay the same across restarts of one job, so that a restarted
     * job can abort the transactions its previous run left open.
     */
    public RecordSinkBuilder<T> transactionalIdPrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("transactional id prefix must not be blank");
        }
        this.transactionalIdPrefix = prefix;
        return this;
    }

    /**
     * How long an exactly-once transaction may stay open before the broker aborts it: longer than the
     * checkpoint interval plus the longest expected outage, and not above the broker's
     * {@code transaction.max.timeout.ms} (default 15 minutes). Default {@link #DEFAULT_TRANSACTION_TIMEOUT}.
     */
    public RecordSinkBuilder<T> transactionTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("transaction timeout must be positive, got " + timeout);
        }
        this.transactionTimeout = timeout;
        return this;
    }

    /** Default producer {@code batch.size}: 256 KiB instead of Kafka's 16 KiB. */
    public static final int DEFAULT_BATCH_BYTES = 256 * 1024;

    public KafkaSink<T> build() {
        return build(record -> record);
    }

    /**
     * Builds a sink for a stream of another type, converted to the encoded record by {@code convert} inside the
     * sink (so the stream itself never carries Avro objects, which Flink would serialize with Kryo).
     */
    public <IN> KafkaSink<IN> build(SerializableFunction<IN, T> convert) {
        if (topic == null) {
            throw new IllegalArgumentException("a topic is required: call topic(..)");
        }
        boolean exactlyOnce = deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE;
        if (exactlyOnce && transactionalIdPrefix == null) {
            throw new IllegalArgumentException("EXACTLY_ONCE needs a transactional id prefix: call transactionalIdPrefix(..)"
                    + " or choose deliveryGuarantee(AT_LEAST_ONCE)");
        }
        connection.requireUnset(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "use transactionalIdPrefix(..)");
        connection.requireUnset(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "use transactionTimeout(..)");
        KafkaSinkBuilder<IN> builder = KafkaSink.<IN>builder()
                .setBootstrapServers(connection.bootstrapServers())
                .setDeliveryGuarantee(deliveryGuarantee)
                .setRecordSerializer(new EncodingRecordSerializer<>(topic, encoder, convert, keyExtractor))
                // Answers carry a full trace (a few KB): larger batches cut produce requests several-fold.
                // Overridable through the connection's client properties.
                .setProperty(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(DEFAULT_BATCH_BYTES));
        connection.clientProperties().forEach(builder::setProperty);
        if (exactlyOnce) {
            builder.setTransactionalIdPrefix(transactionalIdPrefix)
                    .setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(transactionTimeout.toMillis()));
        }
        return builder.build();
    }
}
