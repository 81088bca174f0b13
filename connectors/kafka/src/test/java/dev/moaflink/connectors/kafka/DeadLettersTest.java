package dev.moaflink.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.time.Instant;

import dev.moaflink.schema.DeadLetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DeadLettersTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @Test
    @Timeout(10)
    void aDecodeFailureKeepsTheBytesTheirOriginAndTheReason() {
        RawRecord raw = new RawRecord("queries", 2, 99L, 5L, new byte[] {7}, new byte[] {1, 2, 3});
        DecodeException error = new DecodeException(DecodeException.Kind.UNKNOWN_SCHEMA, "no known Query schema");

        DeadLetter letter = DeadLetters.of(raw, error, NOW);

        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), letter.getPayload());
        assertEquals(ByteBuffer.wrap(new byte[] {7}), letter.getKey());
        assertEquals("queries", letter.getSourceTopic());
        assertEquals(2, letter.getSourcePartition());
        assertEquals(99L, letter.getSourceOffset());
        assertEquals("UNKNOWN_SCHEMA", letter.getKind());
        assertEquals("no known Query schema", letter.getReason());
        assertNull(letter.getQueryId());
        assertEquals(NOW, letter.getFailedAt());
    }

    @Test
    @Timeout(10)
    void aLaterFailureCarriesTheQueryIdAndATombstoneHasNoPayload() {
        RawRecord tombstone = new RawRecord("queries", 0, 1L, 5L, null, null);

        DeadLetter letter = DeadLetters.of(tombstone, "EMPTY_TEXT", "query text is blank", "q-7", NOW);

        assertNull(letter.getPayload());
        assertNull(letter.getKey());
        assertEquals("q-7", letter.getQueryId());
        assertEquals("EMPTY_TEXT", letter.getKind());
    }
}
