package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.simulation.SimulatedSession;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Virtual time: nothing waits, and timings are the cost formulas. */
@Timeout(10)
class VirtualTimeTest {

    private static SimulatedEngine engine() {
        return Fixtures.engine("time", "virtual", "prefill_tps", "1000", "decode_tps", "100", "overhead_ms", "20",
                "concurrency", "1");
    }

    @Test
    void timingsAreTheFormulas() {
        // 400 chars = 100 tokens: 100 ms at 1000 tokens/s, plus 20 ms overhead.
        try (SimulatedSession s = Fixtures.open(engine(), Fixtures.aggregator(Fixtures.multipleChoice(1), "agg", "x".repeat(400)))) {
            assertEquals(100, s.promptTokens());
            s.append("y".repeat(39)); // ceil(39 / 4) = 10 tokens: 10 ms
            assertEquals(110, s.promptTokens());

            CompletableFuture<Generation> f = s.generate(dev.moaflink.engine.GenerationParams.greedy(100_000),
                    dev.moaflink.engine.TokenListener.NONE);
            assertTrue(f.isDone(), "virtual generations complete before generate returns");
            Generation g = f.join();
            int n = g.outputTokens();
            assertEquals(110, g.promptTokens());
            assertEquals(new PhaseTimings(0, 130, 130, n * 10.0, 130 + 10), g.timings());
        }
    }

    @Test
    void theCallersClockOverlapsPrefillWithTheWaitForInputs() {
        try (SimulatedSession s = Fixtures.open(engine(), Fixtures.aggregator(Fixtures.multipleChoice(1), "agg", "x".repeat(400)))) {
            s.at(1_000); // prefix (100 tokens + 20 ms overhead) prefills from 1000 to 1120
            s.at(1_500);
            s.append("y".repeat(400)); // available at 1500: prefilled 1500-1600
            s.append("z".repeat(200)); // queued behind it: 1600-1650
            s.at(1_610); // the last input arrived: generate here, 40 ms of prefill left
            Generation g = s.generate(dev.moaflink.engine.GenerationParams.greedy(100_000),
                    dev.moaflink.engine.TokenListener.NONE).join();
            assertEquals(270, g.timings().prefillMs(), 1e-9, "all prefill work, overlapped or not");
            assertEquals(40, g.timings().prefillExposedMs(), 1e-9, "only what was left after the last input");
            assertEquals(40 + 10, g.timings().firstTokenMs(), 1e-9);
        }
        try (SimulatedSession s = Fixtures.open(engine(), Fixtures.aggregator(Fixtures.multipleChoice(1), "agg2", "x".repeat(400)))) {
            s.at(5);
            s.append("y".repeat(400));
            assertThrows(IllegalArgumentException.class, () -> s.at(4), "the clock never goes back");
        }
    }

    @Test
    void concurrencyDoesNotQueueInVirtualTime() {
        SimulatedEngine engine = engine();
        EngineSession a = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        EngineSession b = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p1"));
        assertEquals(0, Fixtures.generate(a).timings().queueMs());
        assertEquals(0, Fixtures.generate(b).timings().queueMs());
    }

    @Test
    void infoSaysSimulatedVirtualIncremental() {
        var info = engine().info();
        assertEquals("sim", info.backend());
        assertTrue(info.simulated() && info.virtualTime() && info.incrementalPrefill());
        assertFalse(Fixtures.engine().info().virtualTime());
    }
}
