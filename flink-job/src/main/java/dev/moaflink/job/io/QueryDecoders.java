package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.registry.RegistryAvroCodec;
import dev.moaflink.connectors.kafka.registry.RegistrySettings;
import dev.moaflink.job.config.JobConfig.TopicFormat;
import dev.moaflink.schema.Query;

/** The queries topic's decoder for its configured format. */
public final class QueryDecoders {

    private QueryDecoders() {}

    /**
     * @param registry the schema registry, needed for {@link TopicFormat#REGISTRY_AVRO} only (else may be null); it is
     *                 called once here, so that a wrong URL or login fails the submission, not every record
     */
    public static QueryDecoder of(TopicFormat format, RegistrySettings registry) {
        return switch (format) {
            case AVRO -> new AvroQueryDecoder(AvroCodec.of(Query.class));
            case JSON -> new JsonQueryDecoder();
            case REGISTRY_AVRO -> {
                RegistryAvroCodec<Query> codec = RegistryAvroCodec.reader(Query.class, registry);
                codec.checkReachable();
                yield new AvroQueryDecoder(codec);
            }
        };
    }
}
