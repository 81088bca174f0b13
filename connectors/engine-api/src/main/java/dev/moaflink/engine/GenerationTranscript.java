package dev.moaflink.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What a generation has produced so far: its text, token count and summed log-probs, and whether the last token
 * completed a stop sequence or reached {@code maxTokens}. Every engine streams tokens through one of these, so stop
 * sequences mean the same on each: the generation ends with the token in which a stop sequence is completed, and the
 * text keeps it (the listener has already seen that token). Not thread-safe: one generation, one thread at a time.
 */
public final class GenerationTranscript {

    // Outputs are mostly short words; a good first guess avoids regrowing the buffer.
    private static final int CHARS_PER_TOKEN_GUESS = 6;
    private static final int MAX_INITIAL_CHARS = 1 << 16;

    private final int maxTokens;
    private final List<String> stops;
    private final StringBuilder text;
    private int tokens;
    private double sumLogProb;

    /** @param expectedTokens a guess at the output's length, to size the buffer (0 if unknown) */
    public GenerationTranscript(GenerationParams params, int expectedTokens) {
        this.maxTokens = params.maxTokens();
        // An empty stop sequence would end every generation at its first token: treat it as absent.
        this.stops = nonEmpty(params.stop());
        int expected = Math.max(1, Math.min(expectedTokens, maxTokens));
        this.text = new StringBuilder((int) Math.min(MAX_INITIAL_CHARS, (long) expected * CHARS_PER_TOKEN_GUESS));
    }

    public GenerationTranscript(GenerationParams params) {
        this(params, 0);
    }

    /** The non-empty stop sequences; no copy in the usual case of none (this runs once per generation). */
    private static List<String> nonEmpty(List<String> stops) {
        if (stops.isEmpty()) {
            return List.of();
        }
        List<String> kept = new ArrayList<>(stops.size());
        for (String s : stops) {
            if (!s.isEmpty()) {
                kept.add(s);
            }
        }
        return kept;
    }

    /**
     * Records a token: its text and log-prob (NaN when the engine does not know it).
     *
     * @return true when a stop sequence ends within the text of this token: the generation must end (STOP)
     */
    public boolean add(String tokenText, double logProb) {
        int before = text.length();
        text.append(tokenText);
        tokens++;
        sumLogProb += logProb;
        return endsInStop(before);
    }

    /** Whether the output has reached {@code maxTokens}: the generation must end (LENGTH). */
    public boolean full() {
        return tokens >= maxTokens;
    }

    /** Whether a stop sequence ends within the text appended after {@code before} chars (only there can one end). */
    private boolean endsInStop(int before) {
        for (String s : stops) {
            int from = Math.max(0, before - s.length() + 1);
            if (text.indexOf(s, from) >= 0) {
                return true;
            }
        }
        return false;
    }

    public int tokens() {
        return tokens;
    }

    public double sumLogProb() {
        return sumLogProb;
    }

    public String text() {
        return text.toString();
    }

    /** The text's length in chars, without copying it. */
    public int length() {
        return text.length();
    }
}
