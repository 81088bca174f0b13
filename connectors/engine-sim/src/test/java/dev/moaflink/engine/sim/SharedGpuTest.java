package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.engine.simulation.SimulatedSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A query's sessions on one model sharing its GPU in virtual time (shared_gpu, kv_weight_tokens). */
@Timeout(10)
class SharedGpuTest {

    @Test
    void prefillsRunOneAtATimeAndUseIdleGaps() {
        SharedGpu gpu = new SharedGpu();
        assertEquals(0, gpu.bookPrefill(0, 100), 1e-9);
        assertEquals(100, gpu.bookPrefill(0, 50), 1e-9, "waits for the first");
        assertEquals(300, gpu.bookPrefill(300, 100), 1e-9);
        assertEquals(150, gpu.bookPrefill(120, 150), 1e-9, "fits the gap 150-300 exactly");
        assertEquals(400, gpu.bookPrefill(120, 10), 1e-9, "no gap left before 400");
        assertEquals(410, gpu.bookPrefill(405, 0) + 5, 1e-9, "no work, no wait");
    }

    @Test
    void decodeStepsSlowWithTheContextDecodingAtOnce() {
        SharedGpu gpu = new SharedGpu();
        // Alone with an empty context: 10 ms a step. With its own context of 1000 tokens and KV equal to the
        // weights at 1000 tokens, the first step takes twice as long, later ones a little longer.
        double[] alone = SharedGpu.decodeAlone(0, 1, 1000, 10, 1000);
        assertEquals(20, alone[0], 1e-9);
        assertEquals(20, alone[1], 1e-9);
        double[] free = gpu.decode(0, 4, 0, 10, Double.POSITIVE_INFINITY);
        assertEquals(40, free[0], 1e-9, "inf: context costs nothing");
        assertEquals(10, free[1], 1e-9);
        // Booked: 4 tokens from 0 to 40 at a mean context of 2. A second session from 0 sees it until 40.
        double[] second = gpu.decode(0, 2, 998, 10, 1000);
        assertEquals(10 * (1 + 1000 / 1000.0) + 10 * (1 + 1001 / 1000.0), second[0], 1e-9);
        double[] later = gpu.decode(100, 1, 998, 10, 1000);
        assertEquals(100 + 10 * (1 + 998 / 1000.0), later[0], 1e-9, "nothing else decodes at 100");
    }

    @Test
    void sessionsOfOneQueryShareTheGpuOthersDoNot() {
        SimulatedEngine engine = Fixtures.engine("time", "virtual", "prefill_tps", "1000", "decode_tps", "100",
                "overhead_ms", "0", "output_mean_tokens", "20", "output_p95_tokens", "40", "shared_gpu", "true",
                "kv_weight_tokens", "1000");
        Generation a = generate(engine, 1, "a", 0);
        Generation b = generate(engine, 1, "b", 0);
        Generation other = generate(engine, 2, "a", 0);
        // 100-token prompts: 100 ms of prefill each; b waits for a's prefill.
        assertEquals(0, a.timings().queueMs(), 1e-9);
        assertEquals(100, a.timings().prefillExposedMs(), 1e-9);
        assertEquals(100, b.timings().queueMs(), 1e-9, "b's prefill waited for a's on the query's GPU");
        assertEquals(0, other.timings().queueMs(), 1e-9, "another query has a GPU of its own");
        double perTokenA = a.timings().decodeMs() / a.outputTokens();
        double perTokenB = b.timings().decodeMs() / b.outputTokens();
        assertTrue(perTokenA > 10 * 1.1, "a's own 100-token context slows it: " + perTokenA);
        assertTrue(perTokenB > perTokenA, "b decodes beside a: " + perTokenB + " vs " + perTokenA);
        double beforeDecode = b.timings().queueMs() + b.timings().prefillExposedMs();
        assertTrue(b.timings().firstTokenMs() > beforeDecode
                && b.timings().firstTokenMs() < beforeDecode + b.timings().decodeMs(), "first token after one step");
    }

    @Test
    void overlappedPrefillWaitsForTheLaneToo() {
        SimulatedEngine engine = Fixtures.engine("time", "virtual", "prefill_tps", "1000", "decode_tps", "100",
                "overhead_ms", "0", "shared_gpu", "true");
        Generation first = generate(engine, 7, "first", 0); // prefill 0-100 on the lane
        try (SimulatedSession s = Fixtures.open(engine, Fixtures.aggregator(Fixtures.multipleChoice(7), "agg", "x".repeat(400)))) {
            s.at(50); // the prefix (100 ms) waits for the lane until 100: 100-200
            s.append("y".repeat(200)); // 50 ms after it: 200-250
            s.at(210); // ready at 210: 40 ms of prefill left, no waiting after 210
            Generation g = s.generate(GenerationParams.greedy(100_000), TokenListener.NONE).join();
            assertEquals(150, g.timings().prefillMs(), 1e-9);
            assertEquals(40, g.timings().prefillExposedMs(), 1e-9);
            assertEquals(0, g.timings().queueMs(), 1e-9);
        }
        assertEquals(100, first.timings().prefillExposedMs(), 1e-9);
    }

    private static Generation generate(SimulatedEngine engine, int query, String node, double at) {
        try (SimulatedSession s = Fixtures.open(engine, Fixtures.aggregator(Fixtures.multipleChoice(query), node,
                "x".repeat(400)))) {
            s.at(at);
            return s.generate(GenerationParams.greedy(100_000), TokenListener.NONE).join();
        }
    }
}
