package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.connectors.kafka.RawRecord;
import dev.moaflink.connectors.kafka.ValueDecoder;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;

/** Avro queries, in whichever framing the codec reads (single-object, or a schema registry's). */
final class AvroQueryDecoder implements QueryDecoder {
    private static final long serialVersionUID = 1L;

    private final ValueDecoder<Query> codec;

    AvroQueryDecoder(ValueDecoder<Query> codec) {
        this.codec = codec;
    }

    @Override
    public QueryValidator.Outcome decode(RawRecord raw, QueryValidator validator) {
        Query q;
        try {
            q = codec.decode(raw.value());
        } catch (DecodeException e) {
            return QueryValidator.Outcome.reject(kindOf(e), e.getMessage(), null);
        }
        return validator.validate(q.getId(), q.getText(), q.getChoices(), q.getTaskType(), q.getGold(),
                q.getTopology(), q.getProfile(), q.getSubmittedAt().toEpochMilli());
    }

    private static RejectKind kindOf(DecodeException e) {
        return switch (e.kind()) {
            case EMPTY -> RejectKind.EMPTY_RECORD;
            case UNKNOWN_SCHEMA -> RejectKind.UNKNOWN_SCHEMA;
            case INCOMPATIBLE_SCHEMA -> RejectKind.INCOMPATIBLE_SCHEMA;
            case MALFORMED_AVRO -> RejectKind.MALFORMED_AVRO;
        };
    }
}
