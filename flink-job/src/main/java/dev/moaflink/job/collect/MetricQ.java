package dev.moaflink.job.collect;

import dev.moaflink.engine.TextEmbedder;
import dev.moaflink.job.config.JobConfig;
import java.util.function.IntFunction;

/**
 * Faster-MoA's early-termination score over the finished members of a sibling group.
 *
 * <p>C_i is a sibling's confidence (exp of its mean token log-prob). Pairwise similarity s_ij is answer agreement
 * (1 when both outputs extract the same answer, else 0) or the cosine of their sentence embeddings. The agreement
 * P = Σ_{i<j} C_i C_j s_ij / Σ_{i<j} C_i C_j weights confident pairs more; B = max(0, 1 − |P − τ| / τ) scores it
 * against the target τ; and Q = sqrt(C̄ · B), with C̄ the root mean square of the confidences. The unfinished
 * siblings are terminated when Q reaches the threshold, or, in the probabilistic mode, with probability Q.
 */
public final class MetricQ {

    private final JobConfig.EarlyExit config;

    public MetricQ(JobConfig.EarlyExit config) {
        this.config = config;
    }

    /** Whether pairs need embeddings (else answers suffice), for a query whose answers may be free text. */
    public boolean needsEmbedding(String answerA, String answerB) {
        return needsEmbedding(answerA, answerB, false);
    }

    /**
     * Whether pairs need embeddings. In {@code auto} mode a query with choices or a numeric answer compares extracted
     * answers only: an output with none (an abstention such as "Answer: ?", or a cut-off one) agrees with nothing,
     * so two siblings that both declined never stop the one that may answer.
     */
    public boolean needsEmbedding(String answerA, String answerB, boolean answersOnly) {
        return switch (config.similarity()) {
            case ANSWER -> false;
            case EMBEDDING -> true;
            case AUTO -> !answersOnly && (answerA == null || answerB == null);
        };
    }

    /** {@link #q(double[], String[], IntFunction, boolean)} for a query whose answers may be free text. */
    public double q(double[] confidence, String[] answers, IntFunction<float[]> embedding) {
        return q(confidence, answers, embedding, false);
    }

    /**
     * @param confidence  each finished sibling's confidence, in [0, 1]
     * @param answers     each one's extracted answer, or null
     * @param embedding   each one's unit sentence embedding, computed on demand (only called when needed)
     * @param answersOnly the query is multiple-choice or numeric (see {@link #needsEmbedding(String, String, boolean)})
     */
    public double q(double[] confidence, String[] answers, IntFunction<float[]> embedding, boolean answersOnly) {
        int n = confidence.length;
        double weighted = 0;
        double weights = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += confidence[i] * confidence[i];
            for (int j = i + 1; j < n; j++) {
                double w = confidence[i] * confidence[j];
                double s = needsEmbedding(answers[i], answers[j], answersOnly)
                        ? TextEmbedder.cosine(embedding.apply(i), embedding.apply(j))
                        : (answers[i] != null && answers[i].equals(answers[j]) ? 1 : 0);
                weighted += w * s;
                weights += w;
            }
        }
        if (n < 2 || weights == 0) {
            return 0;
        }
        double p = weighted / weights;
        double tau = config.tau();
        double b = Math.max(0, 1 - Math.abs(p - tau) / tau);
        double rms = Math.sqrt(squares / n);
        return Math.sqrt(rms * b);
    }

    /**
     * Whether to terminate at score {@code q}: {@code q ≥ threshold}, or in the probabilistic mode a seeded draw
     * below {@code q}. The draw depends only on the seed, the query and the decision's place, so replays agree.
     */
    public boolean terminate(double q, String queryId, int level, int group, int finished) {
        if (!config.probabilistic()) {
            return q >= config.threshold();
        }
        long h = config.seed() * 0x9E3779B97F4A7C15L ^ queryId.hashCode();
        h = mix(h ^ ((long) level << 40) ^ ((long) group << 20) ^ finished);
        double u = (h >>> 11) * 0x1.0p-53;
        return u < q;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
