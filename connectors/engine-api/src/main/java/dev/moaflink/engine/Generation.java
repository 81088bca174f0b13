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
 */
public record Generation(
        String text,
        FinishReason finishReason,
        int promptTokens,
        int outputTokens,
        double sumLogProb,
        PhaseTimings timings,
        String error) {

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
