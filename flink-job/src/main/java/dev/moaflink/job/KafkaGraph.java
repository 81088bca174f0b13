package dev.moaflink.job;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.connectors.kafka.KafkaSinks;
import dev.moaflink.connectors.kafka.KafkaSources;
import dev.moaflink.connectors.kafka.KafkaTopics;
import dev.moaflink.connectors.kafka.RawRecordSourceBuilder;
import dev.moaflink.connectors.kafka.StartingOffsets;
import dev.moaflink.connectors.kafka.registry.RegistrySettings;
import dev.moaflink.job.config.ConfigException;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.KafkaClientProperties;
import dev.moaflink.job.io.DecodeQueries;
import dev.moaflink.job.io.QueryDecoders;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.io.TopicEncoders;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.TopologySet;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Streaming mode's edges: queries from Kafka, answers and dead letters back to Kafka, each topic in its configured
 * format (Avro single-object, JSON or registry Avro). With
 * exactly-once delivery, answers are written in Kafka transactions committed at each checkpoint, so
 * {@code read_committed} readers see them up to one checkpoint interval after they are produced.
 */
final class KafkaGraph {

    private KafkaGraph() {}

    static void build(StreamExecutionEnvironment env, JobConfig config, TopologySet topologies,
                      QueryValidator validator) {
        JobConfig.KafkaSettings k = config.kafka();
        Map<String, String> clientProperties = KafkaClientProperties.resolve(k, System.getenv());
        KafkaConnection connection = KafkaConnection.of(k.bootstrapServers())
                .withClientProperties(KafkaClientProperties.withoutRegistry(clientProperties));
        RegistrySettings registry = registry(k, clientProperties);
        // Fail at submission, naming the topic, rather than with a job that waits forever on metadata.
        KafkaTopics.requireExisting(connection, Duration.ofSeconds(30), k.queriesTopic(), k.answersTopic(),
                k.deadLetterTopic());
        if (k.delivery() == JobConfig.Delivery.EXACTLY_ONCE) {
            long brokerMax = KafkaTopics.brokerTransactionMaxTimeoutMs(connection, Duration.ofSeconds(30));
            if (brokerMax > 0 && k.transactionTimeoutMs() > brokerMax) {
                throw new IllegalStateException("kafka.transaction_timeout_ms (" + k.transactionTimeoutMs() + ") exceeds "
                        + "the brokers' transaction.max.timeout.ms (" + brokerMax + "): the broker would refuse the "
                        + "job's transactions; lower it (it must still exceed checkpoint_interval_ms)");
            }
        }
        requireCheckpointsFor(k, FlinkSettings.checkpointIntervalMs(env));
        RawRecordSourceBuilder source = KafkaSources.rawRecords(connection)
                .topics(k.queriesTopic())
                .groupId(k.groupId())
                .startingOffsets(switch (k.startingOffsets()) {
                    case EARLIEST -> StartingOffsets.EARLIEST;
                    case LATEST -> StartingOffsets.LATEST;
                    case COMMITTED -> StartingOffsets.COMMITTED_OR_EARLIEST;
                });
        if (k.bounded()) {
            source.bounded();
        }
        SingleOutputStreamOperator<QueryTask> queries = env
                .fromSource(source.build(), WatermarkStrategy.noWatermarks(), "kafka " + k.queriesTopic())
                .uid("kafka-queries")
                .process(new DecodeQueries(validator, QueryDecoders.of(k.queries(), registry)),
                        TypeInformation.of(QueryTask.class))
                .name("decode queries").uid("decode-queries");
        MoaPipeline.Outputs out = MoaPipeline.build(queries, config, topologies);
        DataStream<AnswerRecord> answers = out.answers();

        DeliveryGuarantee guarantee = k.delivery() == JobConfig.Delivery.EXACTLY_ONCE
                ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE;
        answers.sinkTo(KafkaSinks.records(connection, TopicEncoders.answers(k.answers(), registry, k.answersTopic()))
                        .topic(k.answersTopic())
                        .keyExtractor(AnswerRecord::queryId)
                        .deliveryGuarantee(guarantee)
                        .transactionalIdPrefix(k.transactionalIdPrefix() + "-answers")
                        .transactionTimeout(Duration.ofMillis(k.transactionTimeoutMs()))
                        .build())
                .name("kafka " + k.answersTopic()).uid("kafka-answers");
        out.deadLetters(queries.getSideOutput(DecodeQueries.DEAD_LETTERS))
                .sinkTo(KafkaSinks.records(connection, TopicEncoders.deadLetters(k.deadLetters(), registry,
                                k.deadLetterTopic()))
                        .topic(k.deadLetterTopic())
                        .deliveryGuarantee(guarantee)
                        .transactionalIdPrefix(k.transactionalIdPrefix() + "-dead-letters")
                        .transactionTimeout(Duration.ofMillis(k.transactionTimeoutMs()))
                        .build())
                .name("kafka " + k.deadLetterTopic()).uid("kafka-dead-letters");
    }

    /** The schema registry's settings when a topic uses registry Avro, else null. */
    private static RegistrySettings registry(JobConfig.KafkaSettings k, Map<String, String> clientProperties) {
        if (Stream.of(k.queries(), k.answers(), k.deadLetters()).noneMatch(f -> f == JobConfig.TopicFormat.REGISTRY_AVRO)) {
            return null;
        }
        try {
            return RegistrySettings.from(clientProperties);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Exactly-once answers commit at checkpoints: with none the job would never show one, and a transaction must
     * outlive the interval between two of them. Checked against the interval the job really runs with, wherever it
     * was set.
     */
    private static void requireCheckpointsFor(JobConfig.KafkaSettings k, long intervalMs) {
        if (k.delivery() != JobConfig.Delivery.EXACTLY_ONCE) {
            return;
        }
        if (intervalMs <= 0) {
            throw new IllegalStateException("kafka.delivery exactly_once needs checkpointing (answers commit at"
                    + " checkpoints): set execution.checkpointing.interval in Flink's configuration or"
                    + " checkpoint_interval_ms > 0");
        }
        if (k.transactionTimeoutMs() <= intervalMs) {
            throw new IllegalStateException("kafka.transaction_timeout_ms (" + k.transactionTimeoutMs() + ") must"
                    + " exceed the checkpoint interval (" + intervalMs + " ms)");
        }
    }
}
