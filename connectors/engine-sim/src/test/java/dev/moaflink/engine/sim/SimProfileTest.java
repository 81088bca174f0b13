package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SimProfileTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        SimProfile p = SimProfile.defaults();
        assertEquals(2000, p.prefillTps());
        assertEquals(50, p.decodeTps());
        assertEquals(20, p.overheadMs());
        assertEquals(120, p.outputMeanTokens());
        assertEquals(300, p.outputP95Tokens());
        assertEquals(0.6, p.accuracy());
        assertEquals(0.3, p.errorCorrelation());
        assertEquals(0.9, p.synthesis());
        assertEquals(0.85, p.confidenceCorrect());
        assertEquals(0.45, p.confidenceWrong());
        assertEquals(SimProfile.Time.REAL, p.time());
        assertEquals(42, p.seed());
        assertEquals(0, p.concurrency());
    }

    @Test
    void readsEveryOption() {
        SimProfile p = SimProfile.parse(Fixtures.options("prefill_tps", "1000", "decode_tps", "inf",
                "overhead_ms", "5", "output_mean_tokens", "50", "output_p95_tokens", "100", "accuracy", "0.7",
                "error_correlation", "0", "synthesis", "1", "confidence_correct", "0.9", "confidence_wrong", "0.3",
                "time", "VIRTUAL", "seed", "-7", "concurrency", "8", "worker", "gpu-1", "kv_weight_tokens", "110000"));
        assertEquals(new SimProfile(1000, Double.POSITIVE_INFINITY, 5, 50, 100, 0.7, 0, 1, 0.9, 0.3,
                SimProfile.Time.VIRTUAL, -7, 8, "gpu-1", false, 110000, SimProfile.Scheduling.QUERY, true), p);
        assertTrue(SimProfile.parse(Fixtures.options("shared_gpu", "TRUE")).sharedGpu());
    }

    @Test
    void sharedGpuOptionsAreChecked() {
        assertFalse(SimProfile.defaults().stepwiseDecode(), "by default decode is timed at decode_tps flat");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimProfile.parse(Fixtures.options("shared_gpu", "yes")));
        assertTrue(e.getMessage().contains("shared_gpu") && e.getMessage().contains("yes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SimProfile.parse(Fixtures.options("kv_weight_tokens", "0")));
        assertTrue(e.getMessage().contains("kv_weight_tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SimProfile.parse(Fixtures.options("shared_gpu", "true", "worker", "gpu-0")));
        assertTrue(e.getMessage().contains("exclude each other"), e.getMessage());
    }

    @Test
    void zeroCostMakesEveryPhaseFree() {
        SimProfile p = SimProfile.parse(SimProfile.ZERO_COST);
        assertEquals(0, p.overheadMs());
        assertEquals(0, p.prefillMs(1_000_000));
        assertEquals(0, p.decodeMs(1_000_000));
    }

    @Test
    void costFormulas() {
        SimProfile p = SimProfile.parse(Fixtures.options("prefill_tps", "1000", "decode_tps", "50"));
        assertEquals(100, p.prefillMs(100), 1e-9);
        assertEquals(200, p.decodeMs(10), 1e-9);
    }

    @Test
    void unknownKeyIsNamedWithTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimProfile.parse(Map.of("decode_tsp", "50")));
        assertTrue(e.getMessage().contains("'decode_tsp'"), e.getMessage());
        for (SimOption o : SimOption.values()) {
            assertTrue(e.getMessage().contains(o.key()), e.getMessage());
        }
    }

    @Test
    void badValuesNameKeyAndValue() {
        assertBad("accuracy", "1.5");
        assertBad("accuracy", "high");
        assertBad("error_correlation", "1");
        assertBad("synthesis", "-0.1");
        assertBad("prefill_tps", "0");
        assertBad("decode_tps", "NaN");
        assertBad("overhead_ms", "-1");
        assertBad("confidence_correct", "0");
        assertBad("confidence_wrong", "1.2");
        assertBad("time", "fast");
        assertBad("seed", "1.5");
        assertBad("concurrency", "-2");
        assertBad("concurrency", "99999999999");
        assertBad("output_mean_tokens", "0");
    }

    @Test
    void p95MustBeReachableByALognormalWithTheMean() {
        assertBad("output_p95_tokens", "100");   // below the default mean of 120
        assertBad("output_p95_tokens", "1000");  // more than 3.87x the mean
        SimProfile.parse(Map.of("output_p95_tokens", "120")); // a constant length is fine
        SimProfile.parse(Map.of("output_p95_tokens", "464")); // just below the limit
    }

    private static void assertBad(String key, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimProfile.parse(Map.of(key, value)), key + "=" + value);
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
    }
}
