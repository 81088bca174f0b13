package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code openai} engine against scripted servers: the failures, stalls and stream shapes a real server
 * produces only by accident (retries, refusals, time-outs, warm-up coalescing, request slots). Behaviour against a
 * real model server is in the openai-server module's tests.
 */
@Timeout(30)
class OpenAiEngineTest {

    private record Run(Generation generation, List<Token> tokens) {
        String text() {
            return String.join("", tokens.stream().map(Token::text).toList());
        }
    }

    private static SessionRequest request(String id, String prefix) {
        return new SessionRequest(id, prefix, PromptContext.freeText(id), SessionRequest.Role.PROPOSER);
    }

    private static Run run(LlmEngine engine, String prefix, GenerationParams params) throws Exception {
        EngineSession s = engine.open(request("r", prefix));
        List<Token> tokens = new CopyOnWriteArrayList<>();
        Generation g = s.generate(params, tokens::add).get(20, TimeUnit.SECONDS);
        s.close();
        return new Run(g, tokens);
    }

    private static final Map<String, String> NO_WARMUP = Map.of("warmup", "false");

    @Test
    void streamsTokensWithLogProbsAndTheServersCounts() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.chatStream(ex,
                List.of("The", " answer", " is", " 4"), "stop"));
             LlmEngine engine = server.engine(NO_WARMUP)) {
            Run r = run(engine, "2+2?", new GenerationParams(32, 0.7, 0.9, 42, List.of()));
            assertEquals(FinishReason.STOP, r.generation().finishReason());
            assertEquals("The answer is 4", r.generation().text());
            assertEquals(r.generation().text(), r.text());
            assertEquals(List.of(-0.5f, -1.0f, -1.5f, -2.0f), r.tokens().stream().map(Token::logProb).toList());
            assertEquals(-5.0, r.generation().sumLogProb(), 1e-6);
            assertEquals(7, r.generation().promptTokens(), "from usage");
            assertEquals(4, r.generation().outputTokens());
            assertEquals(-1, r.tokens().get(0).id(), "the API returns no token ids");

            ScriptedServer.Request sent = server.requests().get(0);
            assertEquals("/v1/chat/completions", sent.path());
            assertEquals("scripted", sent.body().get("model").asText());
            assertEquals("2+2?", sent.body().at("/messages/0/content").asText());
            assertEquals("user", sent.body().at("/messages/0/role").asText());
            assertTrue(sent.body().get("stream").asBoolean());
            assertTrue(sent.body().at("/stream_options/include_usage").asBoolean());
            assertTrue(sent.body().get("logprobs").asBoolean());
            assertEquals(0, sent.body().get("top_logprobs").asInt());
            assertEquals(32, sent.body().get("max_tokens").asInt());
            assertEquals(0.7, sent.body().get("temperature").asDouble());
            assertEquals(0.9, sent.body().get("top_p").asDouble());
            assertEquals(42, sent.body().get("seed").asLong());
            assertFalse(sent.body().has("stop"), "stop sequences are matched by the client");
            assertEquals(null, sent.authorization());
        }
    }

    /**
     * With {@code priority} set, each request carries its query's arrival as a priority, in the direction the server
     * serves first; by default none (servers without priority scheduling refuse the field). The prompt tokens the
     * server's prefix cache served come back in the generation.
     */
    @Test
    void requestsCarryTheirQuerysPriorityWhenAskedAndReportCachedPromptTokens() throws Exception {
        long now = System.currentTimeMillis();
        for (String option : List.of("none", "lower_first", "higher_first")) {
            try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.chatStream(ex,
                    List.of("4"), "stop", 5));
                 LlmEngine engine = server.engine(Map.of("warmup", "false", "priority", option))) {
                long[] sent = new long[2];
                for (int i = 0; i < 2; i++) {
                    EngineSession s = engine.open(new SessionRequest("q" + i + "/L1.0", "2+2?",
                            PromptContext.freeText("q" + i), SessionRequest.Role.PROPOSER, 1, now + 1000L * (i + 1)));
                    Generation g = s.generate(GenerationParams.greedy(4), t -> { }).get(20, TimeUnit.SECONDS);
                    s.close();
                    assertEquals(5, g.cachedPromptTokens(), "prompt_tokens_details.cached_tokens");
                    var body = server.requests().get(i).body();
                    assertEquals(!option.equals("none"), body.has("priority"), option);
                    sent[i] = body.path("priority").asLong();
                }
                if (option.equals("lower_first")) {
                    assertTrue(sent[0] < sent[1], "the earlier query, the lower the number");
                } else if (option.equals("higher_first")) {
                    assertTrue(sent[0] > sent[1], "the earlier query, the higher the number");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> OpenAiOptions.of(new dev.moaflink.engine.EngineSpec(
                "openai", "m", Map.of("base_url", "http://localhost:1/v1", "priority", "urgent")), k -> null));
    }

    @Test
    void completionsEndpointMultiTokenChunksAndTextThatTokensDoNotSpell() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            OutputStream out = ScriptedServer.startStream(ex);
            // Two tokens in one chunk; then a chunk whose tokens are byte fragments of one character.
            ScriptedServer.event(out, "{\"choices\":[{\"index\":0,\"text\":\"ab\",\"logprobs\":{\"tokens\":[\"a\",\"b\"],"
                    + "\"token_logprobs\":[-0.1,-0.2]},\"finish_reason\":null}]}");
            ScriptedServer.event(out, "{\"choices\":[{\"index\":0,\"text\":\"\u00e9\",\"logprobs\":{\"tokens\":"
                    + "[\"bytes:\\\\xc3\",\"bytes:\\\\xa9\"],\"token_logprobs\":[-0.3,null]},\"finish_reason\":\"length\"}]}");
            ScriptedServer.event(out, "[DONE]");
        }); LlmEngine engine = server.engine(Map.of("endpoint", "completions", "warmup", "false"))) {
            Run r = run(engine, "x", GenerationParams.greedy(4));
            assertEquals(FinishReason.LENGTH, r.generation().finishReason());
            assertEquals(List.of("a", "b", "", "\u00e9"), r.tokens().stream().map(Token::text).toList());
            assertEquals("ab\u00e9", r.generation().text());
            assertTrue(Float.isNaN(r.tokens().get(3).logProb()), "a null log-prob is unknown");
            assertTrue(Double.isNaN(r.generation().sumLogProb()));
            assertEquals(4, r.generation().outputTokens());
            assertEquals(1, r.generation().promptTokens(), "no usage: estimated from the prompt's length");
            ScriptedServer.Request sent = server.requests().get(0);
            assertEquals("/v1/completions", sent.path());
            assertEquals("x", sent.body().get("prompt").asText());
            assertEquals(1, sent.body().get("logprobs").asInt());
        }
    }

    @Test
    void stopSequencesEndTheGenerationWithTheSequenceInTheOutputAndCloseTheStream() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            OutputStream out = ScriptedServer.startStream(ex);
            try {
                for (int i = 0; i < 200; i++) {
                    ScriptedServer.event(out, ScriptedServer.chatChunk(List.of(i == 2 ? " EN" : i == 3 ? "D." : "w"),
                            List.of(-0.1), null));
                    Thread.sleep(5);
                }
            } catch (java.io.IOException e) {
                closed.countDown(); // the client closed the stream
            }
        }); LlmEngine engine = server.engine(NO_WARMUP)) {
            Run r = run(engine, "x", new GenerationParams(200, 0, 1, 0, List.of("END")));
            assertEquals(FinishReason.STOP, r.generation().finishReason());
            assertEquals("ww END.", r.generation().text(), "the SPI keeps the stop sequence (and its token)");
            assertEquals(4, r.tokens().size());
            assertTrue(closed.await(10, TimeUnit.SECONDS), "the server saw the stream closed");
        }
    }

    @Test
    void http503And429AreRetriedBeforeAnyTokenWithBackoff() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            if (r.index() == 0) {
                ScriptedServer.error(ex, 503, "loading");
            } else if (r.index() == 1) {
                ScriptedServer.error(ex, 429, "slow down");
            } else {
                ScriptedServer.chatStream(ex, List.of("ok"), "stop");
            }
        }); LlmEngine engine = server.engine(Map.of("warmup", "false", "retries", "2", "retry_backoff_ms", "50"))) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.STOP, r.generation().finishReason(), String.valueOf(r.generation().error()));
            assertEquals("ok", r.generation().text());
            List<ScriptedServer.Request> sent = server.requests();
            assertEquals(3, sent.size());
            double gap1 = (sent.get(1).arrivedNanos() - sent.get(0).arrivedNanos()) / 1e6;
            double gap2 = (sent.get(2).arrivedNanos() - sent.get(1).arrivedNanos()) / 1e6;
            assertTrue(gap1 >= 45 && gap2 >= 95, "back-off 50 ms, then doubled: " + gap1 + ", " + gap2);
        }
    }

    @Test
    void retriesRunOutWithTheLastReason() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.error(ex, 502, "bad gateway"));
             LlmEngine engine = server.engine(Map.of("warmup", "false", "retries", "2"))) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.ERROR, r.generation().finishReason());
            assertEquals(3, server.requests().size());
            assertTrue(r.generation().error().startsWith("failed after 3 attempts; last: HTTP 502 from "
                    + server.baseUrl() + "/chat/completions: bad gateway"), r.generation().error());
        }
    }

    @Test
    void aBadRequestFailsAtOnceAndAContextLengthErrorIsARefusal() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.error(ex, 400,
                "temperature must be at most 2"));
             LlmEngine engine = server.engine(NO_WARMUP)) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.ERROR, r.generation().finishReason());
            assertEquals(1, server.requests().size(), "a 400 is not retried");
            assertTrue(r.generation().error().contains("HTTP 400") && r.generation().error().contains("temperature"));
        }
        try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.error(ex, 400,
                "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."));
             LlmEngine engine = server.engine(NO_WARMUP)) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.REFUSED, r.generation().finishReason());
            assertEquals(1, server.requests().size());
            assertTrue(r.generation().error().contains("maximum context length is 4096"), r.generation().error());
            assertEquals("", r.generation().text());
        }
    }

    @Test
    void nothingIsRetriedOnceATokenWasStreamed() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            OutputStream out = ScriptedServer.startStream(ex);
            ScriptedServer.event(out, ScriptedServer.chatChunk(List.of("partial"), List.of(-0.1), null));
            ScriptedServer.event(out, "{\"error\": {\"message\": \"worker died\", \"type\": \"server_error\"}}");
        }); LlmEngine engine = server.engine(Map.of("warmup", "false", "retries", "3"))) {
            List<Token> tokens = new CopyOnWriteArrayList<>();
            EngineSession s = engine.open(request("r", "x"));
            Generation g = s.generate(GenerationParams.greedy(8), tokens::add).get(10, TimeUnit.SECONDS);
            assertEquals(FinishReason.ERROR, g.finishReason());
            assertTrue(g.error().contains("worker died"), g.error());
            assertEquals(1, server.requests().size(), "a token reached the listener: a retry would repeat it");
            assertEquals(1, tokens.size());
        }
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            OutputStream out = ScriptedServer.startStream(ex);
            ScriptedServer.event(out, ScriptedServer.chatChunk(List.of("partial"), List.of(-0.1), null));
            // the connection ends without a finish reason or [DONE]
        }); LlmEngine engine = server.engine(Map.of("warmup", "false", "retries", "3"))) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.ERROR, r.generation().finishReason());
            assertTrue(r.generation().error().contains("ended before the server finished"), r.generation().error());
            assertEquals(1, server.requests().size());
        }
    }

    @Test
    void aRefusedConnectionIsRetriedThenReported() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (LlmEngine engine = new OpenAiEngineFactory(n -> null).create(new dev.moaflink.engine.EngineSpec("openai",
                "m", Map.of("base_url", "http://127.0.0.1:" + port + "/v1", "retries", "1", "retry_backoff_ms", "10",
                        "warmup", "false")))) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.ERROR, r.generation().finishReason());
            assertTrue(r.generation().error().startsWith("failed after 2 attempts; last: cannot connect to "),
                    r.generation().error());
        }
    }

    @Test
    void aStalledServerTimesOutBeforeHeadersAndBetweenChunks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer((r, ex) -> release.await(20, TimeUnit.SECONDS));
             LlmEngine engine = server.engine(Map.of("warmup", "false", "retries", "1", "timeout_ms", "300"))) {
            long t0 = System.nanoTime();
            Run r = run(engine, "x", GenerationParams.greedy(8));
            double ms = (System.nanoTime() - t0) / 1e6;
            assertEquals(FinishReason.ERROR, r.generation().finishReason());
            assertTrue(r.generation().error().contains("no data from") && r.generation().error().contains("300 ms"),
                    r.generation().error());
            assertEquals(2, server.requests().size(), "a time-out before any token is retried");
            assertTrue(ms >= 600 && ms < 5000, "two attempts of 300 ms: " + ms);
        } finally {
            release.countDown();
        }
        CountDownLatch release2 = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            OutputStream out = ScriptedServer.startStream(ex);
            ScriptedServer.event(out, ScriptedServer.chatChunk(List.of("slow"), List.of(-0.1), null));
            release2.await(20, TimeUnit.SECONDS);
        }); LlmEngine engine = server.engine(Map.of("warmup", "false", "retries", "1", "timeout_ms", "300"))) {
            Run r = run(engine, "x", GenerationParams.greedy(8));
            assertEquals(FinishReason.ERROR, r.generation().finishReason());
            assertEquals(1, server.requests().size(), "a stall after a token is not retried");
            assertEquals("", r.generation().text());
            assertEquals(1, r.tokens().size());
        } finally {
            release2.countDown();
        }
    }

    @Test
    void cancelAbortsTheStreamAndCompletesWithWhatWasGenerated() throws Exception {
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch clientClosed = new CountDownLatch(1);
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            OutputStream out = ScriptedServer.startStream(ex);
            try {
                for (int i = 0; i < 1000; i++) {
                    ScriptedServer.event(out, ScriptedServer.chatChunk(List.of("t"), List.of(-0.1), null));
                    firstSent.countDown();
                    Thread.sleep(10);
                }
            } catch (java.io.IOException e) {
                clientClosed.countDown();
            }
        }); LlmEngine engine = server.engine(NO_WARMUP)) {
            EngineSession s = engine.open(request("r", "x"));
            List<Token> tokens = new CopyOnWriteArrayList<>();
            CompletableFuture<Generation> f = s.generate(GenerationParams.greedy(1000), tokens::add);
            assertTrue(firstSent.await(10, TimeUnit.SECONDS));
            while (tokens.isEmpty()) {
                Thread.sleep(5);
            }
            s.cancel();
            Generation g = f.get(5, TimeUnit.SECONDS);
            assertEquals(FinishReason.CANCELLED, g.finishReason());
            int seen = tokens.size();
            assertEquals(seen, g.outputTokens());
            assertEquals("t".repeat(seen), g.text());
            assertTrue(clientClosed.await(10, TimeUnit.SECONDS), "the server saw the connection closed");
            Thread.sleep(50);
            assertEquals(seen, tokens.size(), "no token after cancel");
            s.close();
        }
    }

    @Test
    void warmupsCoalesceToTheLatestPrefixAndGenerateWaitsForTheOneInFlight() throws Exception {
        List<Long> warmupEnds = new CopyOnWriteArrayList<>();
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            if (r.warmup()) {
                Thread.sleep(200);
                warmupEnds.add(System.nanoTime());
                ScriptedServer.json(ex, 200, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"x\"},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":40,"
                        + "\"completion_tokens\":1,\"total_tokens\":41}}");
            } else {
                ScriptedServer.chatStream(ex, List.of("done"), "stop");
            }
        }); LlmEngine engine = server.engine(Map.of())) {
            EngineSession s = engine.open(request("r", "prefix "));
            while (server.requests().isEmpty()) {
                Thread.sleep(5); // the prefix's warm-up is in flight
            }
            StringBuilder whole = new StringBuilder("prefix ");
            for (int i = 0; i < 10; i++) {
                s.append("part" + i + " ");
                whole.append("part").append(i).append(' ');
            }
            // The first warm-up (the prefix) returns after 200 ms; then one more (all parts) goes out.
            while (server.requests().size() < 2) {
                Thread.sleep(5);
            }
            assertEquals(40 + (whole.length() - "prefix ".length() + 3) / 4, s.promptTokens(),
                    "the server's count of the warmed prefix plus an estimate of the rest");
            long generateAt = System.nanoTime();
            Generation g = s.generate(GenerationParams.greedy(8), t -> { }).get(10, TimeUnit.SECONDS);
            assertEquals(FinishReason.STOP, g.finishReason());

            List<ScriptedServer.Request> sent = server.requests();
            List<String> warmed = sent.stream().filter(ScriptedServer.Request::warmup)
                    .map(r -> r.body().at("/messages/0/content").asText()).toList();
            assertEquals(List.of("prefix ", whole.toString()), warmed, "one warm-up in flight; then the latest prefix");
            ScriptedServer.Request generation = sent.get(sent.size() - 1);
            assertFalse(generation.warmup());
            assertEquals(whole.toString(), generation.body().at("/messages/0/content").asText());
            assertTrue(generation.arrivedNanos() >= warmupEnds.get(1), "generate waited for the warm-up in flight");
            assertTrue(generateAt < warmupEnds.get(1), "which was still running when generate was called");
            double waited = (warmupEnds.get(1) - generateAt) / 1e6;
            assertTrue(g.timings().prefillExposedMs() >= waited, "waiting for the warm-up is exposed prefill: "
                    + g.timings() + " waited " + waited);
            assertTrue(g.timings().prefillMs() >= 350, "prefill includes the warm-ups before generate: " + g.timings());
            assertTrue(g.timings().prefillMs() > g.timings().prefillExposedMs());
            s.close();
        }
    }

    @Test
    void aWarmupRefusedForContextLengthRefusesLaterAppendsAndTheGeneration() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.error(ex, 400,
                "The input (9000 tokens) is longer than the model's context length (8192 tokens).")); LlmEngine engine =
                server.engine(Map.of())) {
            EngineSession s = engine.open(request("r", "a very long prefix"));
            long deadline = System.currentTimeMillis() + 5000;
            RequestRefusedException refused = null;
            while (refused == null && System.currentTimeMillis() < deadline) {
                try {
                    s.append(" more");
                    Thread.sleep(20);
                } catch (RequestRefusedException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null && refused.getMessage().contains("context length"), String.valueOf(refused));
            int requests = server.requests().size();
            Generation g = s.generate(GenerationParams.greedy(8), t -> { }).get(5, TimeUnit.SECONDS);
            assertEquals(FinishReason.REFUSED, g.finishReason());
            assertEquals(requests, server.requests().size(), "no generation request for a refused prompt");
            s.close();
        }
    }

    @Test
    void maxConcurrencyBoundsRequestsInFlight() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> {
            Thread.sleep(100);
            ScriptedServer.chatStream(ex, List.of("x"), "stop");
        }); LlmEngine engine = server.engine(Map.of("warmup", "false", "max_concurrency", "2"))) {
            List<CompletableFuture<Generation>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                runs.add(engine.open(request("r" + i, "x")).generate(GenerationParams.greedy(4), t -> { }));
            }
            for (CompletableFuture<Generation> f : runs) {
                Generation g = f.get(10, TimeUnit.SECONDS);
                assertEquals(FinishReason.STOP, g.finishReason());
            }
            assertEquals(2, server.maxInFlight());
            assertTrue(runs.get(5).get().timings().queueMs() >= 150, "the last waited two rounds for a slot: "
                    + runs.get(5).get().timings());
            assertEquals(0, ((OpenAiEngine) engine).requestsInFlight());
        }
    }

    @Test
    void aServerThatIgnoresStreamingIsAnErrorAndMisuseIsRefused() throws Exception {
        try (ScriptedServer server = new ScriptedServer((r, ex) -> ScriptedServer.json(ex, 200, "{\"choices\":[]}"));
             LlmEngine engine = server.engine(NO_WARMUP)) {
            EngineSession s = engine.open(request("r", "x"));
            Generation g = s.generate(GenerationParams.greedy(4), t -> { }).get(5, TimeUnit.SECONDS);
            assertEquals(FinishReason.ERROR, g.finishReason());
            assertTrue(g.error().contains("Content-Type application/json"), g.error());
            assertThrows(IllegalStateException.class, () -> s.append("more"));
            assertThrows(IllegalStateException.class, () -> s.generate(GenerationParams.greedy(4), t -> { }));
            s.close();
            s.close();
        }
    }
}
