package dev.moaflink.engine.openai;

import java.util.List;

/**
 * One streamed piece of a generation, in the endpoint-neutral form the session consumes.
 *
 * @param text         text the chunk adds to the output (may be empty)
 * @param pieces       the tokens the chunk carries with their log-probs, when the server sent log-probs
 * @param finishReason the server's {@code finish_reason} when the generation ended with this chunk, else null
 * @param usage        token counts when the chunk carries them, else null
 * @param error        an error the server reported inside the stream, else null
 */
record StreamChunk(String text, List<Piece> pieces, String finishReason, Endpoint.Usage usage, String error) {

    /** A token's text as the server names it, and its log-prob (NaN when the server gave none). */
    record Piece(String text, float logProb) {}
}
