package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine through the SPI: sessions, streaming, batching, incremental prefill, budget, cancel, sampling. */
@Timeout(120)
class DjlEngineTest {

    private static Fixture fixture;
    private static LlmEngine engine;

    @BeforeAll
    static void start() throws Exception {
        fixture = Fixture.load("tiny-llama");
        engine = new DjlEngineFactory().create(fixture.spec(Map.of()));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static SessionRequest request(String id, String prefix) {
        return new SessionRequest(id, prefix, PromptContext.freeText(id), SessionRequest.Role.PROPOSER);
    }

    private record Run(Generation generation, List<Token> tokens) {
        int[] ids() {
            return tokens.stream().mapToInt(Token::id).toArray();
        }
    }

    private static CompletableFuture<Run> generate(LlmEngine e, String id, String prefix, List<String> parts,
                                                   GenerationParams params) {
        EngineSession s = e.open(request(id, prefix));
        parts.forEach(s::append);
        List<Token> tokens = new CopyOnWriteArrayList<>();
        return s.generate(params, tokens::add).thenApply(g -> {
            s.close();
            return new Run(g, tokens);
        });
    }

    @Test
    void tokenizerMatchesTheReference() {
        TextCodec codec = ((DjlEngine) engine).codec();
        for (Fixture.Prompt c : fixture.tokenizerCases()) {
            assertArrayEquals(c.ids(), codec.encode(c.text()), c.text());
            if (!c.text().contains("<|")) { // decoding skips special tokens
                assertEquals(c.text(), codec.decode(c.ids(), c.ids().length));
            }
        }
    }

    /** A text longer than 512 tokens is neither truncated by the tokenizer nor run: it is refused with its length. */
    @Test
    void aPromptLongerThanTheContextIsRefusedWithItsRealLength() throws Exception {
        TextCodec codec = ((DjlEngine) engine).codec();
        String text = longText(200);
        int[] ids = codec.encode(text);
        assertTrue(ids.length > 1000, ids.length + " tokens: the tokenizer must not truncate");
        assertEquals(text, codec.decode(ids, ids.length));
        EngineSession s = null;
        try {
            s = engine.open(request("long", "The sky"));
            s.append(text);
            fail("a prompt of " + ids.length + " tokens was accepted");
        } catch (dev.moaflink.engine.RequestRefusedException e) {
            assertTrue(e.getMessage().contains("does not fit the model's context"), e.getMessage());
            int reported = Integer.parseInt(e.getMessage().replaceAll("^prompt of (\\d+) tokens.*$", "$1"));
            assertTrue(reported > 1000, e.getMessage());
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void wordBoundariesAreSingleSpacesBetweenWords() {
        assertEquals(11, TextCodec.wordBoundary("The sky  is blue", 0, 16));
        assertEquals(3, TextCodec.wordBoundary("The sky  is blue", 0, 9)); // not inside the double space
        assertEquals(-1, TextCodec.wordBoundary("The sky", 3, 7));
        assertEquals(-1, TextCodec.wordBoundary("Thesky ", 0, 7)); // a trailing space is no boundary
    }

    /**
     * A long prompt streamed in small chunks: after every append the session's ids, re-tokenised only after its
     * last stable word boundary, equal the whole text's tokenisation (the fixture's SentencePiece-style tokenizer
     * splits at words once the continuation's space is left to its dummy prefix).
     */
    @Test
    void textStreamedInChunksIsTokenisedIncrementallyToTheWholeTextsIds() {
        TextCodec codec = ((DjlEngine) engine).codec();
        assertTrue(codec.splitsAtWords(), "the fixture's tokenizer splits at words");
        String text = longText(60) + "Answer: 42, because six times seven is forty-two.\n" + longText(40);
        DjlSession s = (DjlSession) engine.open(request("chunks", "Question:"));
        StringBuilder all = new StringBuilder(codec.chat().head()).append("Question:");
        try {
            for (int i = 0; i < text.length(); i += 7) {
                String chunk = text.substring(i, Math.min(text.length(), i + 7));
                s.append(chunk);
                all.append(chunk);
                assertArrayEquals(codec.encode(all.toString()), s.appendedIds(), "after " + all.length() + " chars");
            }
        } catch (dev.moaflink.engine.RequestRefusedException e) {
            // the fixture's context is full: what was compared so far stands
        } finally {
            s.close();
        }
        assertTrue(all.length() > 3 * DjlSession.RETOKENIZE_CHARS, all.length() + " chars compared");
    }

    @Test
    void streamsTheReferenceGreedyTokensWithLogProbs() throws Exception {
        Fixture.Prompt p = fixture.prompts().get(0);
        Run r = generate(engine, "g", p.text(), List.of(), GenerationParams.greedy(64)).get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.LENGTH, r.generation().finishReason());
        assertArrayEquals(p.greedy(), r.ids());
        assertEquals(64, r.generation().outputTokens());
        assertEquals(p.ids().length, r.generation().promptTokens());
        String streamed = String.join("", r.tokens().stream().map(Token::text).toList());
        assertEquals(r.generation().text(), streamed);
        assertEquals(((DjlEngine) engine).codec().decode(r.ids(), r.ids().length), streamed);
        double sum = 0;
        for (Token t : r.tokens()) {
            assertTrue(t.logProb() <= 0, "log-prob " + t.logProb());
            sum += t.logProb();
        }
        assertEquals(sum, r.generation().sumLogProb(), 1e-3);
        assertTrue(r.generation().timings().prefillMs() > 0 && r.generation().timings().decodeMs() > 0);
    }

    @Test
    void concurrentSessionsDecodeTogetherAndGetTheSameTokensAsAlone() throws Exception {
        long before = ((DjlEngine) engine).steps();
        List<CompletableFuture<Run>> runs = new ArrayList<>();
        for (int i = 0; i < fixture.prompts().size(); i++) {
            runs.add(generate(engine, "c" + i, fixture.prompts().get(i).text(), List.of(), GenerationParams.greedy(32)));
        }
        for (int i = 0; i < runs.size(); i++) {
            int[] expected = java.util.Arrays.copyOf(fixture.prompts().get(i).greedy(), 32);
            assertArrayEquals(expected, runs.get(i).get(60, TimeUnit.SECONDS).ids(), "prompt " + i);
        }
        long steps = ((DjlEngine) engine).steps() - before;
        // 6 sessions × 31 decode steps each would be 186 steps alone; batched they share steps.
        assertTrue(steps < 6 * 31, "decode steps " + steps + " show no batching");
    }

    /** Blocks the engine's scheduler thread until the returned latch is counted down. */
    private static java.util.concurrent.CountDownLatch holdScheduler() {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ((DjlEngine) engine).submit(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    @Test
    void sessionsArrivingTogetherArePrefilledBeforeTheNextStepAndDecodeInTheSameSteps() throws Exception {
        long before = ((DjlEngine) engine).steps();
        // Hold the scheduler while the sessions arrive, so that they really arrive together (no race with it).
        java.util.concurrent.CountDownLatch arrived = holdScheduler();
        List<CompletableFuture<Run>> runs = new ArrayList<>();
        for (int i = 0; i < fixture.prompts().size(); i++) {
            runs.add(generate(engine, "t" + i, fixture.prompts().get(i).text(), List.of(), GenerationParams.greedy(32)));
        }
        arrived.countDown();
        for (CompletableFuture<Run> r : runs) {
            assertEquals(32, r.get(60, TimeUnit.SECONDS).generation().outputTokens());
        }
        long steps = ((DjlEngine) engine).steps() - before;
        // 31 decode steps once all have joined; prefilling one prompt per step would add one step per late joiner (5).
        assertEquals(31, steps, "decode steps: the sessions joined the batch one by one");
    }

    /**
     * A prompt whose generate was called is prefilled before text appended ahead of generate by an older session
     * (overlap work is speculative): when the generating session completes, in the same scheduler turn, the older
     * session's prefix has not been touched yet.
     */
    @Test
    void aGeneratingPromptIsPrefilledBeforeOlderTextAppendedAheadOfGenerate() throws Exception {
        java.util.concurrent.CountDownLatch arrived = holdScheduler();
        EngineSession ahead = engine.open(request("ahead", fixture.prompts().get(4).text()));
        EngineSession now = engine.open(request("now", fixture.prompts().get(0).text()));
        CompletableFuture<Long> aheadPrefillAtCompletion = now.generate(GenerationParams.greedy(1), t -> { })
                .thenApply(g -> ((DjlSession) ahead).timer().prefillNanos()); // runs on the scheduler thread
        arrived.countDown();
        assertEquals(0L, aheadPrefillAtCompletion.get(60, TimeUnit.SECONDS),
                "the older session's ahead-of-generate prefix ran before the generating prompt");
        Generation g = ahead.generate(GenerationParams.greedy(4), t -> { }).get(60, TimeUnit.SECONDS);
        assertTrue(g.finishReason() == FinishReason.STOP || g.finishReason() == FinishReason.LENGTH, g.toString());
        ahead.close();
        now.close();
    }

    private static String longText(int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(i % 2 == 0 ? "the sky is blue " : "and the sea is green ");
        }
        return b.toString();
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void textAppendedAheadWaitsWhileOtherEnginesHoldTheCoresAndRunsWhenOneIsFree() throws Exception {
        CoreShare cores = new CoreShare(1);
        CoreShare.Member other = cores.join(1, () -> { });
        other.foreground(true); // another engine decodes on the only core
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(),
                DjlOptions.of(fixture.spec(Map.of("overlap_prefill", "idle_cores"))), cores)) {
            EngineSession ahead = e.open(request("ahead", longText(12)));
            Thread.sleep(300);
            assertEquals(0, e.prefilledTokens(), "speculative prefill waits for a free core");

            // Work a caller waits on is never held back.
            Run run = generate(e, "now", "The sky", List.of(" is"), GenerationParams.greedy(4)).get(30, TimeUnit.SECONDS);
            assertTrue(run.generation().finishReason() == FinishReason.STOP
                    || run.generation().finishReason() == FinishReason.LENGTH, run.generation().toString());
            long afterGenerate = e.prefilledTokens();
            Thread.sleep(100);
            assertEquals(afterGenerate, e.prefilledTokens(), "still waiting once the generate is done");

            other.foreground(false); // the core is free: the parked engine is woken
            await(() -> e.prefilledTokens() > afterGenerate, "the speculative prefix to be prefilled");
            ahead.close();
        }
    }

    @Test
    void byDefaultOverlapPrefillIsEagerAndTextAppendedAheadRunsAtOnce() throws Exception {
        CoreShare cores = new CoreShare(1);
        cores.join(1, () -> { }).foreground(true);
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(), DjlOptions.of(fixture.spec(Map.of())), cores)) {
            EngineSession ahead = e.open(request("ahead", longText(12)));
            await(() -> e.prefilledTokens() > 0, "the prefix to be prefilled");
            ahead.close();
        }
        assertThrows(IllegalArgumentException.class,
                () -> DjlOptions.of(fixture.spec(Map.of("overlap_prefill", "sometimes"))));
    }

    @Test
    void whileSessionsDecodeTextAppendedAheadIsPrefilledInChunks() throws Exception {
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(),
                DjlOptions.of(fixture.spec(Map.of("ignore_eos", "true"))), new CoreShare(4))) {
            java.util.concurrent.CountDownLatch decoding = new java.util.concurrent.CountDownLatch(1);
            EngineSession busy = e.open(request("busy", "The sky"));
            CompletableFuture<Generation> long_ = busy.generate(GenerationParams.greedy(400), t -> decoding.countDown());
            assertTrue(decoding.await(20, TimeUnit.SECONDS));
            long calls = e.prefillCalls();
            long steps = e.steps();
            String text = longText(12);
            EngineSession ahead = e.open(request("ahead", text));
            int tokens = e.codec().encode(text).length;
            await(() -> e.prefilledTokens() >= tokens - 2 + e.codec().encode("The sky").length, "the prefix");
            assertFalse(long_.isDone(), "the generation was still decoding meanwhile");
            long pieces = e.prefillCalls() - calls;
            long stepsMeanwhile = e.steps() - steps;
            assertTrue(pieces >= (tokens - 2) / PrefillPlanner.SPECULATIVE_CHUNK,
                    tokens + " tokens in " + pieces + " pieces: at most " + PrefillPlanner.SPECULATIVE_CHUNK + " per step");
            // A piece takes longer than a decode step; at a quarter of the time, several steps run per piece.
            assertTrue(stepsMeanwhile >= 2 * pieces, stepsMeanwhile + " decode steps while " + pieces
                    + " speculative pieces ran: they take at most " + PrefillPlanner.SPECULATIVE_SHARE + " of the time");
            busy.cancel();
            assertEquals(FinishReason.CANCELLED, long_.get(20, TimeUnit.SECONDS).finishReason());
            busy.close();
            ahead.close();
        }
    }

    /**
     * Speculative text of a lower agent level is prefilled first (its generate comes sooner): an aggregator's
     * prefix opened ahead before a proposer's waits for it. Observed from the scheduler thread, in the token
     * listener of a session decoding meanwhile.
     */
    @Test
    void speculativePrefillServesTheLowerLevelFirst() throws Exception {
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(),
                DjlOptions.of(fixture.spec(Map.of("ignore_eos", "true"))), new CoreShare(4))) {
            java.util.concurrent.atomic.AtomicReference<DjlSession[]> watched = new java.util.concurrent.atomic.AtomicReference<>();
            CompletableFuture<String> first = new CompletableFuture<>();
            java.util.concurrent.CountDownLatch decoding = new java.util.concurrent.CountDownLatch(1);
            EngineSession busy = e.open(request("busy", "The sky"));
            CompletableFuture<Generation> long_ = busy.generate(GenerationParams.greedy(400), t -> {
                decoding.countDown();
                DjlSession[] w = watched.get();
                if (w != null && !first.isDone()) {
                    for (DjlSession x : w) {
                        if (x.kv().cachedTokens() > 0) {
                            first.complete(x.requestId());
                        }
                    }
                }
            });
            assertTrue(decoding.await(20, TimeUnit.SECONDS));
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            e.submit(() -> {
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            String text = longText(12);
            // Two sessions of one query (queries are served in their order first).
            EngineSession aggregator = e.open(new SessionRequest("aggregator", text, PromptContext.freeText("q"),
                    SessionRequest.Role.AGGREGATOR, 2));
            EngineSession proposer = e.open(new SessionRequest("proposer", text, PromptContext.freeText("q"),
                    SessionRequest.Role.PROPOSER, 1));
            watched.set(new DjlSession[] {(DjlSession) aggregator, (DjlSession) proposer});
            release.countDown();
            assertEquals("proposer", first.get(20, TimeUnit.SECONDS), "the level-1 session's text ran first");
            busy.cancel();
            long_.get(20, TimeUnit.SECONDS);
            busy.close();
            aggregator.close();
            proposer.close();
        }
        assertThrows(IllegalArgumentException.class, () -> new SessionRequest("x", "", PromptContext.freeText("x"),
                SessionRequest.Role.PROPOSER, -1));
    }

    /**
     * With nothing decoding, speculative text is still prefilled a piece at a time, so that a generate arriving
     * meanwhile waits for one piece, not for a whole prefix (three aggregators opened ahead at once, their
     * prefixes queued behind each other, and the first input's generate behind them all).
     */
    @Test
    void withNothingDecodingTextAppendedAheadIsStillPrefilledInPieces() throws Exception {
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(), DjlOptions.of(fixture.spec(Map.of())),
                new CoreShare(4))) {
            String text = longText(20);
            int tokens = e.codec().encode(text).length;
            assertTrue(tokens > 3 * PrefillPlanner.SPECULATIVE_CHUNK, tokens + " tokens");
            EngineSession ahead = e.open(request("ahead", text));
            await(() -> e.prefilledTokens() >= tokens - 2, "the prefix");
            long pieces = e.prefillCalls();
            assertTrue(pieces >= (tokens - 2 + PrefillPlanner.SPECULATIVE_CHUNK - 1) / PrefillPlanner.SPECULATIVE_CHUNK,
                    tokens + " tokens in " + pieces + " pieces: at most " + PrefillPlanner.SPECULATIVE_CHUNK + " each");
            Generation g = ahead.generate(GenerationParams.greedy(2), t -> { }).get(30, TimeUnit.SECONDS);
            assertTrue(g.timings().prefillExposedMs() <= g.timings().prefillMs(), g.timings().toString());
            ahead.close();
        }
    }

    @Test
    void thePrefillBudgetPerStepIsAnOptionAndMustBePositive() {
        assertEquals(DjlOptions.PREFILL_TOKENS_PER_STEP, DjlOptions.of(fixture.spec(Map.of())).prefillTokensPerStep());
        assertEquals(64, DjlOptions.of(fixture.spec(Map.of("prefill_tokens_per_step", "64"))).prefillTokensPerStep());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DjlOptions.of(fixture.spec(Map.of("prefill_tokens_per_step", "0"))));
        assertTrue(e.getMessage().contains("prefill_tokens_per_step"), e.getMessage());
    }

    @Test
    void appendedPartsPrefillIncrementallyToTheSameResult() throws Exception {
        Fixture.Prompt p = fixture.prompts().get(4); // the longest
        String t = p.text();
        List<String> parts = List.of(t.substring(t.length() / 3, t.length() / 2), t.substring(t.length() / 2, 2 * t.length() / 3),
                t.substring(2 * t.length() / 3));
        Run r = generate(engine, "inc", t.substring(0, t.length() / 3), parts, GenerationParams.greedy(32))
                .get(60, TimeUnit.SECONDS);
        assertArrayEquals(java.util.Arrays.copyOf(p.greedy(), 32), r.ids());
        assertEquals(p.ids().length, r.generation().promptTokens());
    }

    @Test
    void stopSequencesEndTheGenerationAfterTheStop() throws Exception {
        Fixture.Prompt p = fixture.prompts().get(1);
        Run full = generate(engine, "s0", p.text(), List.of(), GenerationParams.greedy(40)).get(60, TimeUnit.SECONDS);
        String text = full.generation().text();
        String stop = text.substring(10, 13);
        Run r = generate(engine, "s1", p.text(), List.of(), new GenerationParams(40, 0, 1, 0, List.of(stop)))
                .get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.STOP, r.generation().finishReason());
        assertTrue(r.generation().text().contains(stop));
        assertTrue(r.generation().outputTokens() < 40);
        assertTrue(text.startsWith(r.generation().text()));
    }

    @Test
    void seededSamplingIsReproducibleAndDiffersAcrossSeeds() throws Exception {
        String prompt = fixture.prompts().get(2).text();
        GenerationParams a = new GenerationParams(24, 0.9, 0.95, 7, List.of());
        int[] first = generate(engine, "r1", prompt, List.of(), a).get(60, TimeUnit.SECONDS).ids();
        int[] again = generate(engine, "r2", prompt, List.of(), a).get(60, TimeUnit.SECONDS).ids();
        int[] other = generate(engine, "r3", prompt, List.of(), new GenerationParams(24, 0.9, 0.95, 8, List.of()))
                .get(60, TimeUnit.SECONDS).ids();
        assertArrayEquals(first, again);
        assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(other));
        assertFalse(java.util.Arrays.equals(first, fixture.prompts().get(2).greedy()));
    }

    @Test
    void cancelEndsAGenerationWithCancelled() throws Exception {
        EngineSession s = engine.open(request("x", fixture.prompts().get(3).text()));
        CompletableFuture<Generation> g = s.generate(GenerationParams.greedy(400), t -> {
            if (t.id() >= 0) {
                s.cancel();
            }
        });
        Generation done = g.get(60, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, done.finishReason());
        assertTrue(done.outputTokens() < 400);
        s.close();
        assertThrows(IllegalStateException.class, () -> s.append("more"));
    }

    @Test
    void aRequestThatCanNeverFitFailsAtOnceAndOneThatCanWaitsItsTurn() throws Exception {
        // tiny-llama: 2 layers × 2 kv heads × 16 dims × 2 × 4 B = 512 B per token; 1 MB holds 2048 tokens.
        try (LlmEngine small = new DjlEngineFactory().create(fixture.spec(Map.of("kv_cache_mb", "1")))) {
            Fixture.Prompt p = fixture.prompts().get(4); // 194 prompt tokens
            // max_tokens 300 with a 512 context: needs min(512, 494) = 494 tokens; two of them do not fit together
            // in 2048 - but five do not either: run five at once and all must finish, some after queueing.
            List<CompletableFuture<Run>> runs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                runs.add(generate(small, "q" + i, p.text(), List.of(), GenerationParams.greedy(300)));
            }
            double queued = 0;
            for (CompletableFuture<Run> r : runs) {
                Run run = r.get(90, TimeUnit.SECONDS);
                assertEquals(FinishReason.LENGTH, run.generation().finishReason(), run.generation().error());
                queued += run.generation().timings().queueMs();
            }
            assertTrue(queued > 0, "some requests should have waited for KV memory");
        }
        try (LlmEngine tiny = new DjlEngineFactory().create(fixture.spec(Map.of("kv_cache_mb", "1")))) {
            DjlEngine d = (DjlEngine) tiny;
            assertEquals(2048, d.capacityTokens());
        }
        // A prompt longer than the context is refused when it is appended.
        try (LlmEngine e = new DjlEngineFactory().create(fixture.spec(Map.of()))) {
            EngineSession s = e.open(request("long", "x"));
            EngineException refused = assertThrows(dev.moaflink.engine.RequestRefusedException.class,
                    () -> s.append(" word".repeat(600)));
            assertTrue(refused.getMessage().contains("context"), refused.getMessage());
            s.close();
        }
    }

    @Test
    void aGenerationLargerThanTheBudgetIsAnErrorWithTheNumbers() throws Exception {
        try (LlmEngine e = new DjlEngine("tiny", fixture.dir(), new DjlOptions(fixture.dir().toString(), "cpu", 0, 16,
                "none"))) {
            // kv_cache_mb 0 → no tokens at all
            EngineException refused = assertThrows(dev.moaflink.engine.RequestRefusedException.class,
                    () -> e.open(request("n", "hello")));
            assertTrue(refused.getMessage().contains("KV cache"), refused.getMessage());
        }
    }

    @Test
    void askingForAGpuWhereLibtorchSeesNoneFailsAtStartWithAHint() {
        org.junit.jupiter.api.Assumptions.assumeFalse(DjlEngine.gpuAvailable(), "this machine has a CUDA device");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DjlEngineFactory().create(fixture.spec(Map.of("device", "gpu"))).close());
        assertTrue(e.getMessage().contains("PYTORCH_LIBRARY_PATH"), e.getMessage());
    }

    @Test
    void theRegistryKeepsOneCopyPerJvm() {
        EngineRegistry registry = new EngineRegistry(java.util.ServiceLoader.load(dev.moaflink.engine.EngineFactory.class));
        try (EngineRegistry.Lease a = registry.acquire(fixture.spec(Map.of()));
             EngineRegistry.Lease b = registry.acquire(fixture.spec(Map.of()))) {
            assertTrue(a.engine() == b.engine());
        }
    }
}
