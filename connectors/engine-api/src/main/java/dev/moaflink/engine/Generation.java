package dev.moaflink.engine;

/**
 * The outcome of {@link EngineSession#generate}.
 *
 * @param text         everything generated (also for CANCELLED: what was produced until then)
 * @param finishReason why it ended
 * @param promptTokens tokens prefilled for the whole prompt
 * @param outputTokens tokens generated
 * @param sumLogProb   sum of the generated tokens' log-probs
 * @param timings      where the time went
 * @param error        message when finishReason is ERROR, else null
 * @param cachedPromptTokens prompt tokens whose keys and values came from the engine's prefix cache instead of
 *                     being computed (0 where the engine does not say)
 */
public record Generation(
        String text,
        FinishReason finishReason,
        int promptTokens,
        int outputTokens,
        double sumLogProb,
        PhaseTimings timings,
        String error,
        int cachedPromptTokens) {

    public Generation {
        if (cachedPromptTokens < 0 || cachedPromptTokens > Math.max(0, promptTokens)) {
            throw new IllegalArgumentException("cachedPromptTokens must be in [0, promptTokens], was "
                    + cachedPromptTokens + " of " + promptTokens);
        }
    }

    /** A generation whose engine does not say how much of its prompt was cached. */
    public Generation(String text, FinishReason finishReason, int promptTokens, int outputTokens, double sumLogProb,
                      PhaseTimings timings, String error) {
        this(text, finishReason, promptTokens, outputTokens, sumLogProb, timings, error, 0);
    }

    /** Faster-MoA's confidence: exp of the mean token log-prob; 0 when nothing was generated. */
    public double confidence() {
        return outputTokens == 0 ? 0.0 : Math.exp(sumLogProb / outputTokens);
    }

    public static Generation failed(String message, int promptTokens, PhaseTimings timings) {
        return new Generation("", FinishReason.ERROR, promptTokens, 0, 0.0, timings, message);
    }

    /** A request the engine can never serve (see {@link FinishReason#REFUSED}). */
    public static Generation refused(String message, int promptTokens) {
        return new Generation("", FinishReason.REFUSED, promptTokens, 0, 0.0, PhaseTimings.ZERO, message);
    }
}
