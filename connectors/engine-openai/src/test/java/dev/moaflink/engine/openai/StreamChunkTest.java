package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.Token;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a streamed chunk's text and log-prob pieces become tokens. */
class StreamChunkTest {

    private static StreamChunk chunk(String text, StreamChunk.Piece... pieces) {
        return new StreamChunk(text, List.of(pieces), null, null, null);
    }

    @Test
    void eachPieceIsATokenWithItsLogProb() {
        assertEquals(List.of(new Token(-1, "a", -0.1f), new Token(-1, "b", -0.2f)),
                chunk("ab", new StreamChunk.Piece("a", -0.1f), new StreamChunk.Piece("b", -0.2f)).tokens());
    }

    @Test
    void whenPiecesDoNotSpellTheTextTheLastTokenCarriesIt() {
        List<Token> tokens = chunk("\u00e9", new StreamChunk.Piece("bytes:\\xc3", -0.3f),
                new StreamChunk.Piece("bytes:\\xa9", Float.NaN)).tokens();
        assertEquals(List.of("", "\u00e9"), tokens.stream().map(Token::text).toList());
        assertEquals(-0.3f, tokens.get(0).logProb());
        assertTrue(Float.isNaN(tokens.get(1).logProb()));
    }

    @Test
    void withoutLogProbsTheTextIsOneTokenOfUnknownLogProb() {
        List<Token> tokens = chunk("hello").tokens();
        assertEquals(1, tokens.size());
        assertEquals("hello", tokens.get(0).text());
        assertTrue(Float.isNaN(tokens.get(0).logProb()));
        assertEquals(List.of(), chunk("").tokens(), "a chunk without text (finish reason, usage) has no token");
    }
}
