package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.Token;

/**
 * The tokens of one simulated output, produced on demand: filler "reasoning" words, then the answer line
 * {@code \nAnswer: X}. Words and their ids are precomputed, so each token costs one hash step and one
 * {@link Token}.
 *
 * <p>Log-probs: token i gets {@code logTarget * e_i} with e_i drawn from Exp(1). The factor has mean 1 and is
 * positive, so the mean log-prob is {@code logTarget} and every log-prob is <= 0 without clamping (clamping
 * additive noise at 0 would bias confidence upwards); like a real model, most tokens are near-certain and a
 * few are not.
 */
final class OutputTokens {

    private static final String[] VOCABULARY = {
        "let", "us", "consider", "the", "question", "carefully", "first", "we", "note", "that",
        "each", "option", "must", "be", "checked", "against", "given", "facts", "so", "then",
        "this", "means", "it", "follows", "because", "of", "a", "step", "by", "reasoning",
        "therefore", "which", "is", "consistent", "with", "our", "earlier", "result", "and", "thus",
        "if", "not", "could", "also", "hold", "here", "since", "value", "case", "in",
        "other", "words", "clearly", "one", "more", "time", "to", "verify", "all", "terms",
        "are", "correct", "now", "finally"};
    private static final int WORD_BITS = 6;
    private static final int LOGPROB_BUCKETS = 256;

    private static final String[] FIRST_WORDS = new String[VOCABULARY.length];
    private static final String[] NEXT_WORDS = new String[VOCABULARY.length];
    private static final int[] FIRST_IDS = new int[VOCABULARY.length];
    private static final int[] NEXT_IDS = new int[VOCABULARY.length];
    private static final double[] EXP1 = new double[LOGPROB_BUCKETS];
    private static final String MARKER_FIRST = CandidateAnswers.MARKER;
    private static final String MARKER_NEXT = "\n" + CandidateAnswers.MARKER;
    private static final int MARKER_FIRST_ID = id(MARKER_FIRST);
    private static final int MARKER_NEXT_ID = id(MARKER_NEXT);
    // " A" .. " Z": the answer words of multiple-choice outputs.
    private static final String[] LABEL_WORDS = new String[CandidateAnswers.MAX_CHOICES];
    private static final int[] LABEL_IDS = new int[CandidateAnswers.MAX_CHOICES];

    static {
        if (VOCABULARY.length != 1 << WORD_BITS) {
            throw new IllegalStateException("the vocabulary must have 2^" + WORD_BITS + " words");
        }
        for (int i = 0; i < VOCABULARY.length; i++) {
            FIRST_WORDS[i] = VOCABULARY[i];
            NEXT_WORDS[i] = " " + VOCABULARY[i];
            FIRST_IDS[i] = id(FIRST_WORDS[i]);
            NEXT_IDS[i] = id(NEXT_WORDS[i]);
        }
        for (int i = 0; i < LABEL_WORDS.length; i++) {
            LABEL_WORDS[i] = " " + (char) ('A' + i);
            LABEL_IDS[i] = id(LABEL_WORDS[i]);
        }
        // Mid-bucket quantiles of Exp(1), rescaled so that their mean is exactly 1.
        double sum = 0;
        for (int i = 0; i < LOGPROB_BUCKETS; i++) {
            EXP1[i] = -Math.log(1 - (i + 0.5) / LOGPROB_BUCKETS);
            sum += EXP1[i];
        }
        for (int i = 0; i < LOGPROB_BUCKETS; i++) {
            EXP1[i] *= LOGPROB_BUCKETS / sum;
        }
    }

    private final String[] answerTexts;
    private final int[] answerIds;
    private final int fillerCount;
    private final double logTarget;
    private long state;
    private int produced;

    /**
     * @param bits       seeds the words and log-probs
     * @param length     drawn length; raised to the answer line's length when shorter
     * @param answer     canonical answer (words separated by single spaces)
     * @param logTarget  mean log-prob of the output (<= 0)
     */
    OutputTokens(long bits, int length, String answer, double logTarget) {
        // Most answers are one word (a label or a number): no split, and the marker's texts and ids are constants.
        String[] words = answer.indexOf(' ') < 0 ? new String[] {answer} : answer.split(" ");
        int answerLength = words.length + 1;
        this.fillerCount = Math.max(0, length - answerLength);
        this.answerTexts = new String[answerLength];
        this.answerIds = new int[answerLength];
        answerTexts[0] = fillerCount == 0 ? MARKER_FIRST : MARKER_NEXT;
        answerIds[0] = fillerCount == 0 ? MARKER_FIRST_ID : MARKER_NEXT_ID;
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            int label = w.length() == 1 ? w.charAt(0) - 'A' : -1;
            if (label >= 0 && label < LABEL_WORDS.length) {
                answerTexts[i + 1] = LABEL_WORDS[label];
                answerIds[i + 1] = LABEL_IDS[label];
            } else {
                answerTexts[i + 1] = " " + w;
                answerIds[i + 1] = id(answerTexts[i + 1]);
            }
        }
        this.logTarget = logTarget;
        this.state = bits;
    }

    /** Tokens in the whole output, answer line included. */
    int length() {
        return fillerCount + answerTexts.length;
    }

    boolean hasNext() {
        return produced < length();
    }

    Token next() {
        if (!hasNext()) {
            throw new IllegalStateException("output of " + length() + " tokens already complete");
        }
        state = Seeds.next(state);
        long z = Seeds.mix(state);
        float logProb = (float) (logTarget * EXP1[(int) (z & (LOGPROB_BUCKETS - 1))]);
        int i = produced++;
        if (i < fillerCount) {
            int w = (int) (z >>> (Long.SIZE - WORD_BITS));
            return i == 0 ? new Token(FIRST_IDS[w], FIRST_WORDS[w], logProb) : new Token(NEXT_IDS[w], NEXT_WORDS[w], logProb);
        }
        int a = i - fillerCount;
        return new Token(answerIds[a], answerTexts[a], logProb);
    }

    /** Stable token id: the non-negative hash of the token's text. */
    private static int id(String text) {
        return text.hashCode() & Integer.MAX_VALUE;
    }
}
