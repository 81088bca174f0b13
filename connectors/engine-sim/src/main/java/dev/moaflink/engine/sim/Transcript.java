package dev.moaflink.engine.sim;

import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.Token;
import java.util.ArrayList;
import java.util.List;

/**
 * What a generation has produced so far, and whether the last token ended it: a stop sequence or the
 * natural end (STOP), or max tokens (LENGTH). The text ends with the token that completed a stop sequence,
 * stop included: the listener has already seen that token.
 */
final class Transcript {

    // Outputs are mostly short words; a good first guess avoids regrowing the buffer.
    private static final int CHARS_PER_TOKEN_GUESS = 6;
    private static final int MAX_INITIAL_CHARS = 1 << 16;

    private final int maxTokens;
    private final List<String> stops;
    private final StringBuilder text;
    private int tokens;
    private double sumLogProb;

    Transcript(GenerationParams params, int expectedTokens) {
        this.maxTokens = params.maxTokens();
        // An empty stop sequence would end every generation at its first token: treat it as absent.
        this.stops = nonEmpty(params.stop());
        int expected = Math.min(expectedTokens, maxTokens);
        this.text = new StringBuilder((int) Math.min(MAX_INITIAL_CHARS, (long) expected * CHARS_PER_TOKEN_GUESS));
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
     * Records a token.
     *
     * @param last whether it is the output's final token
     * @return why the generation ends with this token, or null if it goes on
     */
    FinishReason add(Token token, boolean last) {
        int before = text.length();
        text.append(token.text());
        tokens++;
        sumLogProb += token.logProb();
        if (endsInStop(before)) {
            return FinishReason.STOP;
        }
        if (last) {
            return FinishReason.STOP;
        }
        return tokens >= maxTokens ? FinishReason.LENGTH : null;
    }

    /** Whether a stop sequence ends within the text just appended after {@code before} chars. */
    private boolean endsInStop(int before) {
        if (stops.isEmpty()) {
            return false;
        }
        for (String s : stops) {
            int from = Math.max(0, before - s.length() + 1);
            if (text.indexOf(s, from) >= 0) {
                return true;
            }
        }
        return false;
    }

    int tokens() {
        return tokens;
    }

    double sumLogProb() {
        return sumLogProb;
    }

    String text() {
        return text.toString();
    }
}
