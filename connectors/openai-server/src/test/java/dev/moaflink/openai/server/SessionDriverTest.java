package dev.moaflink.openai.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One request's engine session, on a scripted engine: stop sequences, ends, and failures before the first token. */
@Timeout(10)
class SessionDriverTest {

    private final ServerStats stats = new ServerStats();

    /** An engine whose sessions stream {@code texts} and end with {@code end}, or whose open throws {@code openFails}. */
    private static final class ScriptedEngine implements LlmEngine {
        final List<String> texts;
        final Generation end;
        RuntimeException openFails;
        boolean cancelled;
        boolean closed;

        ScriptedEngine(List<String> texts, Generation end) {
            this.texts = texts;
            this.end = end;
        }

        @Override
        public String model() {
            return "m";
        }

        @Override
        public EngineInfo info() {
            return new EngineInfo("scripted", true, false, false);
        }

        @Override
        public EngineSession open(SessionRequest request) {
            if (openFails != null) {
                throw openFails;
            }
            return new EngineSession() {
                @Override
                public String requestId() {
                    return request.requestId();
                }

                @Override
                public void append(String text) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
                    texts.forEach(t -> listener.onToken(new Token(1, t, -0.5f)));
                    return CompletableFuture.completedFuture(end);
                }

                @Override
                public void cancel() {
                    cancelled = true;
                }

                @Override
                public int promptTokens() {
                    return end.promptTokens();
                }

                @Override
                public void close() {
                    closed = true;
                }
            };
        }

        @Override
        public void close() {
        }
    }

    private static Generation ended(FinishReason reason, String error) {
        return new Generation("", reason, 5, 4, 0, PhaseTimings.ZERO, error);
    }

    private SessionDriver.Outcome run(ScriptedEngine engine, List<String> stop, List<String> shown) throws Exception {
        try (SessionDriver d = SessionDriver.open(engine, "id", "prompt", "prompt", stats)) {
            assertEquals(1, stats.openSessions());
            d.generate(GenerationParams.greedy(8));
            return d.run(stop, pieces -> pieces.forEach(p -> shown.add(p.text())));
        } finally {
            assertEquals(0, stats.openSessions());
        }
    }

    @Test
    void aStopSequenceCutsTheOutputAndCancelsTheSession() throws Exception {
        ScriptedEngine engine = new ScriptedEngine(List.of("a", " E", "ND", "b"), ended(FinishReason.LENGTH, null));
        List<String> shown = new ArrayList<>();
        assertEquals(new SessionDriver.Outcome("stop", 5, 3, null), run(engine, List.of("END"), shown));
        assertEquals("a ", String.join("", shown), "cut before the stop sequence");
        assertTrue(engine.cancelled && engine.closed);
    }

    @Test
    void theEnginesEndIsTheFinishReasonAndHeldBackTextIsShown() throws Exception {
        List<String> shown = new ArrayList<>();
        assertEquals(new SessionDriver.Outcome("length", 5, 2, null), run(new ScriptedEngine(List.of("a", " E"),
                ended(FinishReason.LENGTH, null)), List.of("END"), shown));
        assertEquals(List.of("a", " E"), shown);
        assertEquals(new SessionDriver.Outcome("stop", 5, 0, null), run(new ScriptedEngine(List.of(),
                ended(FinishReason.STOP, null)), List.of(), new ArrayList<>()));
    }

    @Test
    void anErrorAfterTheFirstTokenBreaksTheReplyOff() throws Exception {
        SessionDriver.Outcome o = run(new ScriptedEngine(List.of("a"), ended(FinishReason.ERROR, "out of memory")),
                List.of(), new ArrayList<>());
        assertEquals("the engine failed: out of memory", o.error());
        assertEquals(null, o.finishReason());
    }

    @Test
    void failuresBeforeTheFirstTokenAreErrorStatuses() {
        ApiError refused = assertThrows(ApiError.class, () -> run(new ScriptedEngine(List.of(),
                Generation.refused("too long", 5)), List.of(), new ArrayList<>()));
        assertEquals(400, refused.status());
        assertEquals("context_length_exceeded", refused.toJson().at("/error/code").asText());
        assertEquals("prompt", refused.toJson().at("/error/param").asText());

        ApiError failed = assertThrows(ApiError.class, () -> run(new ScriptedEngine(List.of(),
                ended(FinishReason.ERROR, "boom")), List.of(), new ArrayList<>()));
        assertEquals(500, failed.status());
        assertEquals("the engine failed: boom", failed.getMessage());

        ScriptedEngine full = new ScriptedEngine(List.of(), ended(FinishReason.STOP, null));
        full.openFails = new RequestRefusedException("over the KV budget");
        ApiError atOpen = assertThrows(ApiError.class, () -> SessionDriver.open(full, "id", "p", "messages", stats));
        assertEquals("context_length_exceeded", atOpen.toJson().at("/error/code").asText());
        assertEquals("messages", atOpen.toJson().at("/error/param").asText());
        full.openFails = new IllegalStateException("closed");
        assertEquals(503, assertThrows(ApiError.class, () -> SessionDriver.open(full, "id", "p", "prompt", stats))
                .status());
        assertEquals(0, stats.openSessions());
    }
}
