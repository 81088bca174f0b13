package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.RawRecord;
import java.io.Serializable;

/**
 * Reads one record of the queries topic, in the topic's format, into a validated query or the reason it is
 * rejected (which becomes a dead letter). See {@link QueryDecoders} for the formats.
 */
@FunctionalInterface
public interface QueryDecoder extends Serializable {

    QueryValidator.Outcome decode(RawRecord record, QueryValidator validator);
}
