package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.schema.TaskType;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The session contract, for both clocks. */
@Timeout(10)
class SessionLifecycleTest {

    private static SimulatedEngine engine(String time) {
        return Fixtures.engine("time", time, "prefill_tps", "inf", "decode_tps", "inf", "overhead_ms", "0");
    }

    private static EngineSession open(SimulatedEngine engine) {
        return Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void appendCountsTokensUntilGenerate(String time) {
        try (SimulatedEngine engine = engine(time); EngineSession s = open(engine)) {
            int before = s.promptTokens();
            s.append("abcde"); // ceil(5 / 4)
            s.append("");
            assertEquals(before + 2, s.promptTokens());
            Generation g = Fixtures.generate(s);
            assertEquals(before + 2, g.promptTokens());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.append("more"));
            assertTrue(e.getMessage().contains("generate"), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> s.generate(GenerationParams.greedy(10), TokenListener.NONE));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void cancelBeforeGenerate(String time) {
        try (SimulatedEngine engine = engine(time); EngineSession s = open(engine)) {
            s.cancel();
            assertThrows(IllegalStateException.class, () -> s.append("more"));
            Generation g = Fixtures.generate(s);
            assertEquals(FinishReason.CANCELLED, g.finishReason());
            assertEquals("", g.text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void closeEndsTheSession(String time) {
        try (SimulatedEngine engine = engine(time)) {
            EngineSession s = open(engine);
            s.close();
            s.close();
            assertThrows(IllegalStateException.class, () -> s.append("more"));
            assertEquals(FinishReason.CANCELLED, Fixtures.generate(s).finishReason());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void listenerFailureCompletesWithError(String time) {
        try (SimulatedEngine engine = engine(time); EngineSession s = open(engine)) {
            Generation g = s.generate(GenerationParams.greedy(100), t -> {
                throw new IllegalStateException("listener broke");
            }).join();
            assertEquals(FinishReason.ERROR, g.finishReason());
            assertTrue(g.error().contains("listener broke"), g.error());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void listenerCancelStopsAtOnce(String time) {
        try (SimulatedEngine engine = engine(time); EngineSession s = open(engine)) {
            Generation g = s.generate(GenerationParams.greedy(100), t -> s.cancel()).join();
            assertEquals(FinishReason.CANCELLED, g.finishReason());
            assertEquals(1, g.outputTokens());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void unanswerableQueriesFailAtOpen(String time) {
        try (SimulatedEngine engine = engine(time)) {
            PromptContext noChoices = Fixtures.context("q1", TaskType.MULTIPLE_CHOICE, List.of(), "A");
            EngineException e = assertThrows(EngineException.class,
                    () -> Fixtures.open(engine, Fixtures.proposer(noChoices, "p0")));
            assertTrue(e.getMessage().contains("q1"), e.getMessage());
            PromptContext tooMany = Fixtures.context("q2", TaskType.MULTIPLE_CHOICE,
                    Collections.nCopies(27, "x"), "A");
            assertThrows(EngineException.class, () -> Fixtures.open(engine, Fixtures.proposer(tooMany, "p0")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real", "virtual"})
    void emptyPromptHasNoTokens(String time) {
        try (SimulatedEngine engine = engine(time);
             EngineSession s = Fixtures.open(engine, new SessionRequest("r", "", PromptContext.freeText("q"),
                     SessionRequest.Role.PROPOSER))) {
            assertEquals(0, s.promptTokens());
            s.append("x");
            assertEquals(1, s.promptTokens());
        }
    }
}
