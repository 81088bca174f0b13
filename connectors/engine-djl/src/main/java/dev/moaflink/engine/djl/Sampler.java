package dev.moaflink.engine.djl;

import dev.moaflink.engine.GenerationParams;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from log-probabilities: greedy at temperature 0, else seeded temperature + top-p. */
final class Sampler {

    private final double temperature;
    private final double topP;
    private final SplittableRandom random;

    Sampler(GenerationParams params) {
        this.temperature = params.temperature();
        this.topP = params.topP();
        this.random = new SplittableRandom(params.seed());
    }

    /** Index of the largest of {@code n} values from {@code offset} (the first one on ties). */
    static int argMax(float[] a, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[offset + i] > a[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /** @param logProbs one row of log-softmax output, read from {@code offset} for {@code vocab} entries */
    int pick(float[] logProbs, int offset, int vocab) {
        if (temperature == 0) {
            return argMax(logProbs, offset, vocab);
        }
        // p_i ∝ exp(logp_i / T), then keep the smallest set of most likely tokens whose mass reaches top_p.
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logProbs[offset + i]);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logProbs[offset + i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = null;
        int keep = vocab;
        if (topP < 1) {
            order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            final double[] probs = p;
            Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
            double mass = 0;
            for (keep = 0; keep < vocab; ) {
                mass += p[order[keep++]] / sum;
                if (mass >= topP) {
                    break;
                }
            }
            double kept = 0;
            for (int i = 0; i < keep; i++) {
                kept += p[order[i]];
            }
            sum = kept;
        }
        double u = random.nextDouble() * sum;
        double acc = 0;
        for (int k = 0; k < keep; k++) {
            int i = order == null ? k : order[k];
            acc += p[i];
            if (u < acc) {
                return i;
            }
        }
        return order == null ? vocab - 1 : order[keep - 1];
    }
}
