package dev.moaflink.job.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.moaflink.job.config.JobConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MetricQTest {

    private static JobConfig.EarlyExit config(JobConfig.Similarity similarity, boolean probabilistic) {
        return new JobConfig.EarlyExit(true, 0.7, 0.6, probabilistic, 3, 2, similarity, "minilm");
    }

    @Test
    void agreementAndConfidenceGiveTheFasterMoaScore() {
        MetricQ m = new MetricQ(config(JobConfig.Similarity.ANSWER, false));
        // P = 1: B = 1 - 0.3 / 0.7; rms(C) = 0.9.
        double agree = m.q(new double[] {0.9, 0.9}, new String[] {"A", "A"}, i -> fail("no embeddings needed"));
        assertEquals(Math.sqrt(0.9 * (1 - 0.3 / 0.7)), agree, 1e-12);
        assertTrue(m.terminate(agree, "q", 1, 0, 2));
        assertEquals(0, m.q(new double[] {0.9, 0.9}, new String[] {"A", "B"}, i -> null), 1e-12, "P = 0: B = 0");
        // Two of three agree, weighted by confidence: pairs (0,1) agree with weight 0.72, the others do not.
        double p = 0.72 / (0.72 + 0.45 + 0.40);
        double rms = Math.sqrt((0.81 + 0.64 + 0.25) / 3);
        assertEquals(Math.sqrt(rms * (1 - Math.abs(p - 0.7) / 0.7)),
                m.q(new double[] {0.9, 0.8, 0.5}, new String[] {"A", "A", "B"}, i -> null), 1e-12);
        assertFalse(m.terminate(0.59, "q", 1, 0, 2));
    }

    @Test
    void autoUsesEmbeddingsOnlyWhereAnAnswerIsMissing() {
        MetricQ m = new MetricQ(config(JobConfig.Similarity.AUTO, false));
        float s = (float) Math.sqrt(0.5);
        float[][] vectors = {{1, 0}, {s, s}};
        int[] calls = {0};
        double q = m.q(new double[] {1, 1}, new String[] {null, "A"}, i -> {
            calls[0]++;
            return vectors[i];
        });
        assertEquals(Math.sqrt(1 - Math.abs(s - 0.7) / 0.7), q, 1e-6, "cosine 0.707 is near tau: high score");
        assertEquals(2, calls[0]);
        assertTrue(new MetricQ(config(JobConfig.Similarity.EMBEDDING, false)).needsEmbedding("A", "A"));
    }

    @Test
    void autoOnAnAnswerableQueryCountsAbstentionsAsAgreeingWithNothing() {
        MetricQ m = new MetricQ(config(JobConfig.Similarity.AUTO, false));
        // Two confident siblings that both declined ("Answer: ?", nothing extracted) must not stop the third,
        // however alike their texts are; on a free-text query the embeddings still decide.
        assertEquals(0, m.q(new double[] {1, 1}, new String[] {null, null}, i -> fail("answers only"), true), 1e-12);
        assertEquals(0, m.q(new double[] {1, 1}, new String[] {null, "7"}, i -> fail("answers only"), true), 1e-12);
        assertEquals(Math.sqrt(1 - 0.3 / 0.7),
                m.q(new double[] {1, 1}, new String[] {"7", "7"}, i -> fail("answers only"), true), 1e-12);
        assertTrue(m.q(new double[] {1, 1}, new String[] {null, null}, i -> new float[] {1, 0}, false) > 0.6);
    }

    @Test
    void probabilisticModeStopsWithProbabilityQAndRepeatsItsDraws() {
        MetricQ m = new MetricQ(config(JobConfig.Similarity.ANSWER, true));
        int stops = 0;
        for (int i = 0; i < 10_000; i++) {
            boolean stop = m.terminate(0.3, "q-" + i, 1, 0, 2);
            assertEquals(stop, m.terminate(0.3, "q-" + i, 1, 0, 2), "seeded: a replay decides the same");
            stops += stop ? 1 : 0;
        }
        assertEquals(0.3, stops / 10_000.0, 0.02);
    }
}
