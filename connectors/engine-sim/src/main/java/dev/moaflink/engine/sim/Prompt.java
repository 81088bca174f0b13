package dev.moaflink.engine.sim;

/**
 * A session's prompt as the simulated engine sees it: its token count, the prefill work it costs and, for
 * aggregators, its text (they read candidate answers from it; proposers keep no text).
 *
 * <p>Tokens are counted as ceil(chars / 4), about what BPE tokenizers give for English, deterministic and
 * free to compute.
 */
final class Prompt {

    static final int CHARS_PER_TOKEN = 4;

    private final SimProfile profile;
    private final StringBuilder text;
    private int tokens;
    private int cachedTokens;
    private double prefillMs;

    /** The prompt prefix of a new session; its prefill includes the per-request overhead. */
    Prompt(SimProfile profile, String prefix, boolean keepText) {
        this.profile = profile;
        this.text = keepText ? new StringBuilder(prefix) : null;
        this.tokens = tokens(prefix);
        this.prefillMs = profile.overheadMs() + profile.prefillMs(tokens);
    }

    static int tokens(String text) {
        return (text.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** Adds text and returns the prefill time of this increment. */
    double append(String more) {
        if (text != null) {
            text.append(more);
        }
        int added = tokens(more);
        tokens += added;
        double ms = profile.prefillMs(added);
        prefillMs += ms;
        return ms;
    }

    int tokens() {
        return tokens;
    }

    /** {@code n} tokens of the prefix were prefilled before (a prefix cache): their prefill is not paid again. */
    void cached(int n) {
        cachedTokens = n;
        prefillMs -= profile.prefillMs(n);
    }

    /** Prompt tokens taken from a prefix cache. */
    int cachedTokens() {
        return cachedTokens;
    }

    /** All prefill work so far, the overhead at open included. */
    double prefillMs() {
        return prefillMs;
    }

    /** The prompt text, or null when it is not kept. */
    String text() {
        return text == null ? null : text.toString();
    }
}
