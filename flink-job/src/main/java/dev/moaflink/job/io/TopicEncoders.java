package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.ValueEncoder;
import dev.moaflink.connectors.kafka.registry.RegistryAvroCodec;
import dev.moaflink.connectors.kafka.registry.RegistrySettings;
import dev.moaflink.job.config.JobConfig.TopicFormat;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The answers and dead-letter topics' encoders for their configured formats. Registry Avro registers (or looks up)
 * the schema under the topic's subject {@code <topic>-value} here, when the job is built, so that a wrong registry
 * URL, wrong credentials or a refused schema fail the submission, not the running job.
 */
public final class TopicEncoders {

    private TopicEncoders() {}

    public static ValueEncoder<AnswerRecord> answers(TopicFormat format, RegistrySettings registry, String topic) {
        return of(format, registry, topic, Answer.class, AvroRecords::answer);
    }

    public static ValueEncoder<DeadLetterRecord> deadLetters(TopicFormat format, RegistrySettings registry, String topic) {
        return of(format, registry, topic, DeadLetter.class, AvroRecords::deadLetter);
    }

    private static <IN, T extends SpecificRecord> ValueEncoder<IN> of(TopicFormat format, RegistrySettings registry,
            String topic, Class<T> type, SerializableFunction<IN, T> toAvro) {
        return switch (format) {
            case JSON -> new JsonEncoder<>();
            case AVRO -> converted(AvroCodec.of(type), toAvro);
            case REGISTRY_AVRO -> {
                RegistryAvroCodec<T> codec = RegistryAvroCodec.writer(type, registry, RegistryAvroCodec.topicSubject(topic));
                codec.writerId();
                yield converted(codec, toAvro);
            }
        };
    }

    private static <IN, T> ValueEncoder<IN> converted(ValueEncoder<T> encoder, SerializableFunction<IN, T> toAvro) {
        return value -> encoder.encode(toAvro.apply(value));
    }
}
