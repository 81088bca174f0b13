package dev.moaflink.openai.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code openai} backend, through the engine SPI, against the real server running the bundled expert-small
 * model on the DJL engine: what streams back must be what the DJL engine gives when called directly.
 */
@Timeout(60)
class OpenAiBackendTest {

    private static final String KEY_ENV = "MOA_TEST_OPENAI_KEY";
    private static final String WRONG_KEY_ENV = "MOA_TEST_OPENAI_WRONG_KEY";

    /**
     * Wrap prompts in the model's chat format themselves: what a job on the djl backend runs. The bundled models
     * answer in a few tokens; the long one decodes past end-of-sequence, for longer streams.
     */
    private static LlmEngine direct;
    private static LlmEngine directLong;
    /** The raw-prompt engines the server runs (one decodes past end-of-sequence, for long streams). */
    private static LlmEngine raw;
    private static LlmEngine rawLong;
    private static OpenAiServer server;
    private static OpenAiServer secured;
    private static final EngineRegistry REGISTRY = new EngineRegistry(ServiceLoader.load(EngineFactory.class));
    private static final List<EngineRegistry.Lease> LEASES = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        direct = TinyModel.engine("auto", false);
        directLong = TinyModel.engine("auto", true);
        raw = TinyModel.engine("none", false);
        rawLong = TinyModel.engine("none", true);
        server = TinyModel.server(Map.of(TinyModel.NAME, raw, "expert-small-long", rawLong), null);
        secured = TinyModel.server(Map.of(TinyModel.NAME, raw), System.getenv(KEY_ENV));
    }

    @AfterAll
    static void stop() {
        LEASES.forEach(EngineRegistry.Lease::close);
        server.close();
        secured.close();
        direct.close();
        directLong.close();
        raw.close();
        rawLong.close();
    }

    private static EngineSpec spec(OpenAiServer on, String servedModel, Map<String, String> extra) {
        Map<String, String> o = new HashMap<>(Map.of("base_url", on.baseUrl().toString(), "served_model", servedModel));
        o.putAll(extra);
        return new EngineSpec("openai", "remote-" + servedModel + "-" + o.hashCode(), o);
    }

    private static LlmEngine client(OpenAiServer on, String servedModel, Map<String, String> extra) {
        EngineSpec spec = spec(on, servedModel, extra);
        REGISTRY.validate(spec);
        EngineRegistry.Lease lease = REGISTRY.acquire(spec);
        LEASES.add(lease);
        return lease.engine();
    }

    private static void assertSameStream(TinyModel.Run expected, TinyModel.Run actual) {
        assertEquals(expected.generation().finishReason(), actual.generation().finishReason());
        assertEquals(expected.texts(), actual.texts(), "token texts");
        assertEquals(expected.generation().text(), actual.generation().text());
        for (int i = 0; i < expected.tokens().size(); i++) {
            float lp = actual.tokens().get(i).logProb();
            assertTrue(Float.isFinite(lp) && lp <= 0, "token " + i + " log-prob " + lp);
            assertEquals(expected.tokens().get(i).logProb(), lp, 1e-5, "token " + i + " log-prob");
        }
        assertEquals(expected.generation().sumLogProb(), actual.generation().sumLogProb(), 1e-3);
        assertEquals(expected.generation().outputTokens(), actual.generation().outputTokens());
        assertEquals(expected.generation().promptTokens(), actual.generation().promptTokens(), "usage from the server");
    }

    @Test
    void chatStreamsTheTokensAndLogProbsOfTheDjlEngine() throws Exception {
        assertEquals(new EngineInfo("openai", false, false, false), client(server, TinyModel.NAME, Map.of()).info());
        for (String prompt : TinyModel.PROMPTS) {
            for (boolean longRun : List.of(false, true)) {
                LlmEngine remote = client(server, longRun ? "expert-small-long" : TinyModel.NAME, Map.of());
                TinyModel.Run expected = TinyModel.run(longRun ? directLong : direct, prompt, List.of(),
                        GenerationParams.greedy(48));
                assertEquals(longRun ? FinishReason.LENGTH : FinishReason.STOP, expected.generation().finishReason());
                // Opened on a prefix and appended in parts, as an aggregator's prompt arrives.
                int third = prompt.length() / 3;
                TinyModel.Run actual = TinyModel.run(remote, prompt.substring(0, third),
                        List.of(prompt.substring(third, 2 * third), prompt.substring(2 * third)),
                        GenerationParams.greedy(48));
                assertSameStream(expected, actual);
                PhaseTimings t = actual.generation().timings();
                assertTrue(t.prefillMs() >= t.prefillExposedMs() && t.prefillExposedMs() > 0 && t.decodeMs() >= 0
                        && t.firstTokenMs() >= t.prefillExposedMs(), t.toString());
            }
        }
    }

    @Test
    void completionsSendThePromptRawAndSamplingSettingsReachTheEngine() throws Exception {
        LlmEngine remote = client(server, "expert-small-long", Map.of("endpoint", "completions"));
        String prompt = TinyModel.PROMPTS.get(0);
        assertSameStream(TinyModel.run(rawLong, prompt, List.of(), GenerationParams.greedy(32)),
                TinyModel.run(remote, prompt, List.of(), GenerationParams.greedy(32)));
        // temperature, top_p and seed: the same draw as the engine's own with the same settings.
        GenerationParams sampled = new GenerationParams(24, 0.9, 0.95, 7, List.of());
        TinyModel.Run expected = TinyModel.run(rawLong, prompt, List.of(), sampled);
        assertSameStream(expected, TinyModel.run(remote, prompt, List.of(), sampled));
        TinyModel.Run greedy = TinyModel.run(rawLong, prompt, List.of(), GenerationParams.greedy(24));
        assertFalse(expected.texts().equals(greedy.texts()), "sampling took effect");
    }

    @Test
    void stopSequencesEndTheGenerationAsTheDjlEngineDoes() throws Exception {
        String prompt = TinyModel.PROMPTS.get(1);
        TinyModel.Run full = TinyModel.run(directLong, prompt, List.of(), GenerationParams.greedy(48));
        String text = full.generation().text();
        String stop = text.substring(20, 23);
        int at = text.indexOf(stop);
        assertTrue(at > 0, "the stop sequence is not at the start: " + text);
        GenerationParams params = new GenerationParams(48, 0, 1, 0, List.of(stop));
        TinyModel.Run expected = TinyModel.run(directLong, prompt, List.of(), params);
        TinyModel.Run actual = TinyModel.run(client(server, "expert-small-long", Map.of()), prompt, List.of(), params);
        assertEquals(FinishReason.STOP, actual.generation().finishReason());
        assertEquals(expected.generation().text(), actual.generation().text());
        assertTrue(actual.generation().text().contains(stop) && text.startsWith(actual.generation().text()));
        assertEquals(expected.texts(), actual.texts());
    }

    @Test
    void maxTokensEndsWithLength() throws Exception {
        TinyModel.Run r = TinyModel.run(client(server, "expert-small-long", Map.of()), TinyModel.PROMPTS.get(0),
                List.of(), GenerationParams.greedy(7));
        assertEquals(FinishReason.LENGTH, r.generation().finishReason());
        assertEquals(7, r.tokens().size());
        assertEquals(7, r.generation().outputTokens());
    }

    @Test
    void cancelMidStreamEndsWithCancelledAndTheServerReleasesItsSession() throws Exception {
        LlmEngine remote = client(server, "expert-small-long", Map.of("warmup", "false"));
        long quiet = System.currentTimeMillis() + 20_000;
        while (server.stats().openSessions() > 0 && System.currentTimeMillis() < quiet) {
            Thread.sleep(10); // streams other tests closed early end first
        }
        long gone = server.stats().clientsGone();
        EngineSession s = remote.open(new SessionRequest("c", TinyModel.PROMPTS.get(0), PromptContext.freeText("c"),
                SessionRequest.Role.PROPOSER));
        List<Token> tokens = new CopyOnWriteArrayList<>();
        CompletableFuture<Generation> f = s.generate(GenerationParams.greedy(400), t -> {
            tokens.add(t);
            if (tokens.size() == 3) {
                s.cancel(); // from the listener, as early exit may
            }
        });
        Generation g = f.get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, g.finishReason());
        assertEquals(3, tokens.size());
        assertEquals(3, g.outputTokens());
        s.close();
        long deadline = System.currentTimeMillis() + 20_000;
        while ((server.stats().clientsGone() == gone || server.stats().openSessions() > 0)
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(gone + 1, server.stats().clientsGone(), "the server noticed the client left mid-stream");
        assertEquals(0, server.stats().openSessions(), "and closed its engine session");
    }

    @Test
    void warmupsAreSentAsThePromptGrowsAndTheGenerationReusesTheirPrefix() throws Exception {
        LlmEngine remote = client(server, TinyModel.NAME, Map.of());
        ChatTemplate chat = ChatTemplate.declaredBy(TinyModel.PATH);
        int before = server.stats().received().size();
        String prompt = TinyModel.PROMPTS.get(1);
        List<String> lines = new ArrayList<>(List.of(prompt.split("(?<=\n)")));
        EngineSession s = remote.open(new SessionRequest("w", lines.remove(0), PromptContext.freeText("w"),
                SessionRequest.Role.AGGREGATOR));
        for (String line : lines) {
            int warmups = warmups(before);
            s.append(line);
            long deadline = System.currentTimeMillis() + 10_000;
            while (warmups(before) == warmups && System.currentTimeMillis() < deadline) {
                Thread.sleep(5); // the next line waits until this one's warm-up went out
            }
        }
        Generation g = s.generate(GenerationParams.greedy(16), t -> { }).get(30, TimeUnit.SECONDS);
        s.close();
        assertTrue(g.finishReason() == FinishReason.STOP || g.finishReason() == FinishReason.LENGTH);
        List<ServerStats.Received> received = server.stats().received();
        List<ServerStats.Received> mine = received.subList(before, received.size());
        List<ServerStats.Received> warmups = mine.stream().filter(r -> r.maxTokens() == 1 && !r.stream()).toList();
        assertTrue(warmups.size() >= lines.size(), "a warm-up per append (or the prefix's too): " + warmups);
        assertEquals(chat.render(prompt).length(), warmups.get(warmups.size() - 1).promptChars(),
                "the last warm-up covers the whole prompt");
        ServerStats.Received generation = mine.get(mine.size() - 1);
        assertTrue(generation.stream() && generation.maxTokens() == 16);
        assertEquals(chat.render(prompt).length(), generation.promptChars());
        assertTrue(g.timings().prefillMs() > g.timings().prefillExposedMs(), "warm-ups are prefill before generate: "
                + g.timings());
    }

    private static int warmups(int from) {
        List<ServerStats.Received> r = server.stats().received();
        return (int) r.subList(from, r.size()).stream().filter(x -> x.maxTokens() == 1 && !x.stream()).count();
    }

    @Test
    void aPromptOverTheContextIsRefused() throws Exception {
        String huge = "word ".repeat(700); // the bundled models have a context of 512 tokens
        TinyModel.Run r = TinyModel.run(client(server, TinyModel.NAME, Map.of("warmup", "false")), huge, List.of(),
                GenerationParams.greedy(8));
        assertEquals(FinishReason.REFUSED, r.generation().finishReason());
        assertTrue(r.generation().error().contains("context"), r.generation().error());

        // With warm-ups the refusal is known before generate: appends are refused like the DJL engine's.
        EngineSession s = client(server, TinyModel.NAME, Map.of()).open(new SessionRequest("h", huge,
                PromptContext.freeText("h"), SessionRequest.Role.PROPOSER));
        RequestRefusedException refused = null;
        for (int i = 0; i < 500 && refused == null; i++) {
            try {
                s.append(" more");
                Thread.sleep(10);
            } catch (RequestRefusedException e) {
                refused = e;
            }
        }
        assertTrue(refused != null && refused.getMessage().contains("context"), String.valueOf(refused));
        assertEquals(FinishReason.REFUSED, s.generate(GenerationParams.greedy(8), t -> { })
                .get(10, TimeUnit.SECONDS).finishReason());
        s.close();
    }

    @Test
    void theApiKeyComesFromTheEnvironmentAndNeverAppearsInAMessage() throws Exception {
        String key = System.getenv(KEY_ENV);
        String wrong = System.getenv(WRONG_KEY_ENV);
        assertTrue(key != null && wrong != null, "surefire sets both variables");
        TinyModel.Run ok = TinyModel.run(client(secured, TinyModel.NAME, Map.of("api_key_env", KEY_ENV)),
                TinyModel.PROMPTS.get(0), List.of(), GenerationParams.greedy(4));
        assertEquals(FinishReason.LENGTH, ok.generation().finishReason(), String.valueOf(ok.generation().error()));

        List<String> messages = new ArrayList<>();
        for (Map<String, String> options : List.of(Map.of("api_key_env", WRONG_KEY_ENV, "retries", "3"),
                Map.<String, String>of("retries", "3"))) {
            long rejected = secured.stats().rejected();
            TinyModel.Run denied = TinyModel.run(client(secured, TinyModel.NAME, options), TinyModel.PROMPTS.get(0),
                    List.of(), GenerationParams.greedy(4));
            assertEquals(FinishReason.ERROR, denied.generation().finishReason());
            String error = denied.generation().error();
            assertTrue(error.contains("HTTP 401") && error.contains("API key") && error.contains("api_key_env"), error);
            messages.add(error);
            assertTrue(secured.stats().rejected() - rejected >= 1);
        }
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> REGISTRY.validate(spec(secured, TinyModel.NAME, Map.of("api_key_env", "MOA_TEST_UNSET_KEY"))));
        assertTrue(unset.getMessage().contains("MOA_TEST_UNSET_KEY") && unset.getMessage().contains("not set"));
        messages.add(unset.getMessage());
        for (String m : messages) {
            assertFalse(m.contains(key) || m.contains(wrong), "a key leaked into: " + m);
        }
    }
}
