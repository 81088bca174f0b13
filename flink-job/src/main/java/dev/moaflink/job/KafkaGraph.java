package dev.moaflink.job;

import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.operators.QueryValidator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Streaming mode's sources and sinks: Avro over Kafka, dead letters to their own topic. */
final class KafkaGraph {

    private KafkaGraph() {}

    static void build(StreamExecutionEnvironment env, JobConfig config, QueryValidator validator) {
        throw new UnsupportedOperationException("wired once the Kafka connector lands");
    }
}
