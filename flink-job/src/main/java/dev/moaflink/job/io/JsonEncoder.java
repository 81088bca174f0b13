package dev.moaflink.job.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.moaflink.connectors.kafka.ValueEncoder;

/** A record value as one JSON object in the project's JSON (snake_case; batch mode's answer and dead-letter lines). */
public final class JsonEncoder<T> implements ValueEncoder<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] encode(T value) {
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }
}
