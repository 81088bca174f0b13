package dev.moaflink.openai.server;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's stop-sequence semantics over a stream of tokens: the output ends just before the first stop sequence,
 * which is not part of it. While streaming, text that may be the start of a stop sequence is held back (whole
 * tokens) until the next tokens show whether it is; the token in which a stop sequence begins is cut there.
 */
final class StopScanner {

    /** A token's visible text and its log-prob. */
    record Piece(String text, float logProb) {}

    private record Pending(int start, String text, float logProb) {
        int end() {
            return start + text.length();
        }
    }

    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private final List<Pending> pending = new ArrayList<>();
    private int released;
    private boolean stopped;

    StopScanner(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    /** Takes the next token; returns the tokens that can be shown now (none once a stop sequence was seen). */
    List<Piece> offer(String tokenText, float logProb) {
        if (stopped) {
            return List.of();
        }
        pending.add(new Pending(text.length(), tokenText, logProb));
        text.append(tokenText);
        int at = -1;
        for (String stop : stops) {
            int i = text.indexOf(stop, released);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        if (at >= 0) {
            stopped = true;
            return release(at, true);
        }
        return release(text.length() - heldBack(), false);
    }

    /** The generation ended without a stop sequence: everything held back is shown. */
    List<Piece> flush() {
        return stopped ? List.of() : release(text.length(), false);
    }

    /** A stop sequence was seen: the generation must end. */
    boolean stopped() {
        return stopped;
    }

    /** The longest end of the unreleased text that is the beginning of a stop sequence. */
    private int heldBack() {
        int hold = 0;
        int open = text.length() - released;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, open); k > hold; k--) {
                if (text.substring(text.length() - k).equals(stop.substring(0, k))) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }

    /** Releases the pending tokens that end by {@code limit}; with {@code cut}, the one across it is cut there. */
    private List<Piece> release(int limit, boolean cut) {
        List<Piece> out = new ArrayList<>();
        int n = 0;
        for (Pending p : pending) {
            if (p.end() <= limit) {
                out.add(new Piece(p.text(), p.logProb()));
                released = p.end();
            } else if (cut && p.start() < limit) {
                out.add(new Piece(p.text().substring(0, limit - p.start()), p.logProb()));
                released = limit;
            } else {
                break;
            }
            n++;
        }
        pending.subList(0, n).clear();
        return out;
    }
}
