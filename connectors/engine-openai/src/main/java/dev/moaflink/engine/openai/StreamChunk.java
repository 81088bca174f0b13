package dev.moaflink.engine.openai;

import dev.moaflink.engine.Token;
import java.util.ArrayList;
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

    /**
     * The chunk's tokens. Each piece the server reports a log-prob for becomes one token; when the pieces' texts do
     * not add up to the chunk's text (a character split between tokens), the chunk's text goes to its last token, so
     * the tokens' texts always add up to the output. Without log-probs a non-empty text is one token of log-prob NaN
     * (unknown). The OpenAI API returns no token ids: ids are -1.
     */
    List<Token> tokens() {
        if (pieces.isEmpty()) {
            return text.isEmpty() ? List.of() : List.of(new Token(-1, text, Float.NaN));
        }
        StringBuilder joined = new StringBuilder();
        pieces.forEach(p -> joined.append(p.text()));
        boolean exact = joined.toString().equals(text);
        List<Token> tokens = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            String t = exact ? pieces.get(i).text() : i == pieces.size() - 1 ? text : "";
            tokens.add(new Token(-1, t, pieces.get(i).logProb()));
        }
        return tokens;
    }
}
