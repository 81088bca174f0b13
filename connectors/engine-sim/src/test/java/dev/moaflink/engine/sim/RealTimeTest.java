package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real time: phases take about their modelled time on the wall clock. Only lower bounds are asserted (a slow
 * machine may take longer, never shorter); cancellations are checked against outputs that would take minutes.
 */
@Timeout(30)
class RealTimeTest {

    private final List<SimulatedEngine> engines = new ArrayList<>();

    private SimulatedEngine engine(String... keyValues) {
        SimulatedEngine e = Fixtures.engine(keyValues);
        engines.add(e);
        return e;
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(SimulatedEngine::close);
    }

    /** 800 chars = 200 prompt tokens = 200 ms of prefill; 10 output tokens at 100/s = 100 ms of decode. */
    private SimulatedEngine paced(String... extra) {
        List<String> kv = new ArrayList<>(List.of("prefill_tps", "1000", "decode_tps", "100", "overhead_ms", "0",
                "output_mean_tokens", "10", "output_p95_tokens", "10"));
        kv.addAll(List.of(extra));
        return engine(kv.toArray(String[]::new));
    }

    @Test
    void takesAboutTheModelledTime() {
        SimulatedEngine engine = paced();
        long start = System.nanoTime();
        List<Long> tokenTimes = new ArrayList<>();
        try (EngineSession s = Fixtures.open(engine, Fixtures.aggregator(Fixtures.multipleChoice(1), "agg", "x".repeat(800)))) {
            Generation g = s.generate(GenerationParams.greedy(1000), t -> tokenTimes.add(System.nanoTime())).join();
            double elapsedMs = (System.nanoTime() - start) / 1e6;

            assertEquals(FinishReason.STOP, g.finishReason());
            assertEquals(10, g.outputTokens());
            assertEquals(200, g.timings().prefillMs(), 1e-9);
            assertTrue(elapsedMs >= 290, "elapsed " + elapsedMs);
            assertTrue(g.timings().prefillExposedMs() >= 190, g.timings().toString());
            assertTrue(g.timings().firstTokenMs() >= 200, g.timings().toString());
            assertTrue(g.timings().decodeMs() >= 85, g.timings().toString());
            assertTrue((tokenTimes.get(9) - tokenTimes.get(0)) / 1e6 >= 85, "tokens are paced, not bunched");
        }
    }

    @Test
    void promptAppendedBeforeGenerateIsPrefilledWhileWaiting() throws InterruptedException {
        SimulatedEngine engine = paced();
        EngineSession early = Fixtures.open(engine, Fixtures.aggregator(Fixtures.multipleChoice(1), "a0", "prefix"));
        EngineSession late = Fixtures.open(engine, Fixtures.aggregator(Fixtures.multipleChoice(1), "a1", "prefix"));
        early.append("x".repeat(800));
        Thread.sleep(300); // the early session's 200 ms increment is prefilled meanwhile
        late.append("x".repeat(800));

        CompletableFuture<Generation> fe = early.generate(GenerationParams.greedy(100), TokenListener.NONE);
        CompletableFuture<Generation> fl = late.generate(GenerationParams.greedy(100), TokenListener.NONE);
        Generation e = fe.join();
        Generation l = fl.join();
        assertEquals(l.timings().prefillMs(), e.timings().prefillMs(), 1e-9, "same work");
        assertTrue(l.timings().prefillExposedMs() >= 190, l.timings().toString());
        assertTrue(e.timings().prefillExposedMs() < l.timings().prefillExposedMs(),
                e.timings() + " vs " + l.timings());
    }

    @Test
    void incrementsArePrefilledOneAfterAnother() {
        SimulatedEngine engine = paced();
        try (EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"))) {
            for (int i = 0; i < 3; i++) {
                s.append("x".repeat(400)); // 100 ms each, queued behind the previous one
            }
            Generation g = Fixtures.generate(s);
            assertTrue(g.timings().prefillExposedMs() >= 290, g.timings().toString());
        }
    }

    @Test
    void cancelStopsPromptlyWithTheTextSoFar() throws Exception {
        SimulatedEngine engine = engine("decode_tps", "20", "output_mean_tokens", "2000", "output_p95_tokens", "2000");
        EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        CountDownLatch threeTokens = new CountDownLatch(3);
        CompletableFuture<Generation> f = s.generate(GenerationParams.greedy(5000), t -> threeTokens.countDown());
        assertTrue(threeTokens.await(10, TimeUnit.SECONDS));
        s.cancel();

        Generation g = f.get(10, TimeUnit.SECONDS); // the whole output would take 100 s
        assertEquals(FinishReason.CANCELLED, g.finishReason());
        assertTrue(g.outputTokens() >= 3 && g.outputTokens() < 2000, "tokens " + g.outputTokens());
        assertFalse(g.text().isEmpty());
        assertThrows(IllegalStateException.class, () -> s.append("more"));
        s.cancel(); // idempotent
        s.close();
    }

    @Test
    void cancelDuringPrefill() throws Exception {
        SimulatedEngine engine = engine("prefill_tps", "1");
        EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        s.append("x".repeat(400)); // 100 s of prefill
        CompletableFuture<Generation> f = s.generate(GenerationParams.greedy(100), TokenListener.NONE);
        s.cancel();
        Generation g = f.get(10, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, g.finishReason());
        assertEquals(0, g.outputTokens());
        assertEquals("", g.text());
    }

    @Test
    void listenerMayCancelItsOwnSession() throws Exception {
        SimulatedEngine engine = engine("decode_tps", "1000", "output_mean_tokens", "2000",
                "output_p95_tokens", "2000");
        EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        Generation g = s.generate(GenerationParams.greedy(5000), t -> s.cancel()).get(10, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, g.finishReason());
        assertEquals(1, g.outputTokens());
    }

    @Test
    void concurrencyQueuesDecoding() {
        SimulatedEngine engine = paced("concurrency", "1");
        EngineSession a = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        EngineSession b = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p1"));
        CompletableFuture<Generation> fa = a.generate(GenerationParams.greedy(100), TokenListener.NONE);
        CompletableFuture<Generation> fb = b.generate(GenerationParams.greedy(100), TokenListener.NONE);
        Generation ga = fa.join();
        Generation gb = fb.join();
        // One of them waited for the other's 100 ms of decode.
        double waited = Math.max(ga.timings().queueMs(), gb.timings().queueMs());
        assertTrue(waited >= 80, ga.timings() + " / " + gb.timings());
        assertEquals(FinishReason.STOP, ga.finishReason());
        assertEquals(FinishReason.STOP, gb.finishReason());
    }

    @Test
    void cancelledQueuedSessionsPassTheirSlotOn() throws Exception {
        SimulatedEngine engine = engine("concurrency", "1", "decode_tps", "100", "overhead_ms", "0",
                "output_mean_tokens", "10", "output_p95_tokens", "10");
        EngineSession a = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        EngineSession b = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p1"));
        EngineSession c = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p2"));
        CompletableFuture<Generation> fa = a.generate(GenerationParams.greedy(100), TokenListener.NONE);
        CompletableFuture<Generation> fb = b.generate(GenerationParams.greedy(100), TokenListener.NONE);
        CompletableFuture<Generation> fc = c.generate(GenerationParams.greedy(100), TokenListener.NONE);
        b.cancel();
        c.cancel();
        assertEquals(FinishReason.STOP, fa.get(10, TimeUnit.SECONDS).finishReason());
        fb.get(10, TimeUnit.SECONDS);
        fc.get(10, TimeUnit.SECONDS);
        // All slots are free again: a new session decodes without queueing behind anyone.
        EngineSession d = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p3"));
        Generation gd = d.generate(GenerationParams.greedy(100), TokenListener.NONE).get(10, TimeUnit.SECONDS);
        assertEquals(FinishReason.STOP, gd.finishReason());
        assertEquals(10, gd.outputTokens());
    }

    @Test
    void racingCancellationsNeverLeakASlot() throws Exception {
        SimulatedEngine engine = engine("concurrency", "1", "decode_tps", "5000", "prefill_tps", "inf",
                "overhead_ms", "0", "output_mean_tokens", "20", "output_p95_tokens", "40");
        List<CompletableFuture<Generation>> all = new ArrayList<>();
        List<EngineSession> sessions = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(i), "p0"));
            sessions.add(s);
            all.add(s.generate(GenerationParams.greedy(100), TokenListener.NONE));
        }
        // Cancel every other session from another thread while the slots are being handed around.
        Thread canceller = new Thread(() -> {
            for (int i = 0; i < sessions.size(); i += 2) {
                sessions.get(i).cancel();
                Thread.onSpinWait();
            }
        });
        canceller.start();
        canceller.join();
        for (CompletableFuture<Generation> f : all) {
            FinishReason r = f.get(20, TimeUnit.SECONDS).finishReason();
            assertTrue(r == FinishReason.STOP || r == FinishReason.CANCELLED, r.toString());
        }
        // Had the only slot leaked, this session would never decode.
        EngineSession x = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "x"));
        assertEquals(FinishReason.STOP,
                x.generate(GenerationParams.greedy(100), TokenListener.NONE).get(10, TimeUnit.SECONDS).finishReason());
    }

    @Test
    void closingTheEngineCancelsOutstandingGenerations() throws Exception {
        SimulatedEngine engine = engine("decode_tps", "20", "output_mean_tokens", "2000", "output_p95_tokens", "2000");
        EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
        CompletableFuture<Generation> f = s.generate(GenerationParams.greedy(5000), TokenListener.NONE);
        EngineSession idle = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p1"));
        engine.close();
        assertEquals(FinishReason.CANCELLED, f.get(10, TimeUnit.SECONDS).finishReason());
        assertEquals(FinishReason.CANCELLED,
                idle.generate(GenerationParams.greedy(10), TokenListener.NONE).get(10, TimeUnit.SECONDS).finishReason());
        assertThrows(dev.moaflink.engine.EngineException.class,
                () -> Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p2")));
    }

    @Test
    void manyConcurrentSessionsAllComplete() {
        SimulatedEngine engine = engine("decode_tps", "200", "prefill_tps", "inf", "overhead_ms", "0",
                "output_mean_tokens", "20", "output_p95_tokens", "40");
        List<CompletableFuture<Generation>> all = new ArrayList<>();
        for (int q = 0; q < 2000; q++) {
            EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(q), "p0"));
            all.add(s.generate(GenerationParams.greedy(1000), TokenListener.NONE).whenComplete((g, e) -> s.close()));
        }
        SimulatedEngine virtual = Fixtures.virtualEngine("output_mean_tokens", "20", "output_p95_tokens", "40");
        for (int q = 0; q < all.size(); q++) {
            Generation g = all.get(q).join();
            assertEquals(FinishReason.STOP, g.finishReason());
            // Same seed and request: real and virtual time produce the same text.
            assertEquals(Fixtures.generate(Fixtures.open(virtual, Fixtures.proposer(Fixtures.multipleChoice(q), "p0"))).text(),
                    g.text());
        }
    }
}
