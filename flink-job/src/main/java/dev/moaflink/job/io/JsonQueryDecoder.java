package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.RawRecord;
import dev.moaflink.job.model.RejectKind;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * JSON queries: one UTF-8 JSON object per record, the fields and limits of batch mode's JSON lines
 * ({@link JsonQueries}). A query without {@code submitted_at} is stamped with the Kafka record's timestamp.
 */
final class JsonQueryDecoder implements QueryDecoder {
    private static final long serialVersionUID = 1L;

    @Override
    public QueryValidator.Outcome decode(RawRecord raw, QueryValidator validator) {
        byte[] value = raw.value();
        if (value == null || value.length == 0) {
            return QueryValidator.Outcome.reject(RejectKind.EMPTY_RECORD,
                    "query payload is " + (value == null ? "null (a tombstone)" : "empty"), null);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return QueryValidator.Outcome.reject(RejectKind.MALFORMED_JSON, "not UTF-8 text (" + e + ")", null);
        }
        return JsonQueries.parse(text, validator, raw.timestamp());
    }
}
