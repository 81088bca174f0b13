package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.simulation.SimulatedSession;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One simulated GPU shared by every session in real time: a prefill lane, context-slowed decode, cached prefixes. */
@Timeout(30)
class RealTimeGpuTest {

    @Test
    void prefillsRunOneAtATimeInTheOrderTheyAreBooked() {
        RealTimeGpu gpu = new RealTimeGpu(Double.POSITIVE_INFINITY, true);
        long now = System.nanoTime();
        long first = gpu.bookPrefill(now, 10);
        long second = gpu.bookPrefill(now, 10);
        assertTrue(second - first >= 10_000_000L, "the second waits for the first");
        long later = gpu.bookPrefill(second + 50_000_000L, 5);
        assertEquals(second + 55_000_000L, later, "not before its own earlier work");
    }

    @Test
    void decodeStepsSlowWithTheContextDecoding() {
        RealTimeGpu gpu = new RealTimeGpu(1000, true);
        long alone = gpu.stepNanos(100);
        assertEquals(10_000_000L, alone);
        gpu.decoding(1000);
        assertEquals(2 * alone, gpu.stepNanos(100), "as much context as the weights: twice as long");
        gpu.decoding(-1000);
        assertEquals(alone, gpu.stepNanos(100));
        assertEquals(alone, new RealTimeGpu(Double.POSITIVE_INFINITY, true).stepNanos(100), "inf: context is free");
    }

    @Test
    void aPromptStartPrefilledForTheSameQueryIsCached() {
        RealTimeGpu gpu = new RealTimeGpu(Double.POSITIVE_INFINITY, true);
        String prompt = "You are an expert. Question: what is the capital of France? Answer:";
        assertEquals(0, gpu.cachedTokens("q1", prompt));
        assertEquals(Prompt.tokens(prompt) - 1, gpu.cachedTokens("q1", prompt), "a copy: all but the last token");
        assertEquals(0, gpu.cachedTokens("q2", prompt), "per query");
        int shared = gpu.cachedTokens("q1", prompt.substring(0, 40) + " something else entirely");
        assertEquals(40 / Prompt.CHARS_PER_TOKEN, shared, "the common start, in whole tokens");
        RealTimeGpu off = new RealTimeGpu(Double.POSITIVE_INFINITY, false);
        off.cachedTokens("q1", prompt);
        assertEquals(0, off.cachedTokens("q1", prompt), "prefix_cache false");
    }

    @Test
    void aSecondCopyOfAPromptPaysOnlyThePrefillItDoesNotShare() throws Exception {
        try (SimulatedEngine engine = Fixtures.engine("shared_gpu", "true", "prefill_tps", "2000", "overhead_ms", "0",
                "decode_tps", "2000", "output_mean_tokens", "4", "output_p95_tokens", "8")) {
            String prompt = "Question: " + "which colour is the sky on a clear day? ".repeat(10);
            Generation[] g = new Generation[2];
            for (int i = 0; i < 2; i++) {
                SimulatedSession s = Fixtures.open(engine, new SessionRequest("q1/L1." + i, prompt,
                        Fixtures.multipleChoice(1), SessionRequest.Role.PROPOSER, 1));
                g[i] = s.generate(GenerationParams.greedy(16), t -> { }).get(10, TimeUnit.SECONDS);
                s.close();
            }
            assertEquals(0, g[0].cachedPromptTokens());
            assertEquals(g[1].promptTokens() - 1, g[1].cachedPromptTokens());
            assertTrue(g[1].timings().prefillMs() < 0.1 * g[0].timings().prefillMs(),
                    g[1].timings() + " vs " + g[0].timings());
        }
    }
}
