package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Max tokens and stop sequences, in both clocks. */
@Timeout(30)
class GenerationLimitsTest {

    private static final SessionRequest REQUEST = Fixtures.proposer(Fixtures.multipleChoice(3), "p0");

    private static SimulatedEngine engine(String time) {
        return Fixtures.engine("time", time, "prefill_tps", "inf", "decode_tps", "2000", "overhead_ms", "0",
                "output_mean_tokens", "60", "output_p95_tokens", "60");
    }

    private static Generation generate(SimulatedEngine engine, GenerationParams params, List<Token> tokens) {
        try (EngineSession s = Fixtures.open(engine, REQUEST)) {
            return s.generate(params, tokens::add).join();
        }
    }

    private static Generation full(SimulatedEngine engine) {
        return generate(engine, GenerationParams.greedy(100_000), new ArrayList<>());
    }

    @Test
    void maxTokensTruncatesWithLength() {
        for (String time : new String[] {"virtual", "real"}) {
            SimulatedEngine engine = engine(time);
            Generation whole = full(engine);
            assertEquals(60, whole.outputTokens());
            assertEquals(FinishReason.STOP, whole.finishReason());

            List<Token> tokens = new ArrayList<>();
            Generation cut = generate(engine, GenerationParams.greedy(5), tokens);
            assertEquals(FinishReason.LENGTH, cut.finishReason(), time);
            assertEquals(5, cut.outputTokens());
            assertEquals(5, tokens.size());
            assertTrue(whole.text().startsWith(cut.text()));
            assertNull(CandidateAnswers.last(cut.text()), "the answer line is cut");

            Generation exact = generate(engine, GenerationParams.greedy(60), new ArrayList<>());
            assertEquals(FinishReason.STOP, exact.finishReason(), "ending exactly at max tokens is a natural stop");
            engine.close();
        }
    }

    @Test
    void stopSequenceEndsTheGeneration() {
        for (String time : new String[] {"virtual", "real"}) {
            SimulatedEngine engine = engine(time);
            List<Token> all = new ArrayList<>();
            Generation whole = generate(engine, GenerationParams.greedy(100_000), all);
            // A stop that spans two tokens in the middle of the output.
            String stop = all.get(20).text().substring(1) + all.get(21).text();
            List<Token> seen = new ArrayList<>();
            Generation g = generate(engine, new GenerationParams(100_000, 0, 1, 0, List.of("", stop)), seen);

            assertEquals(FinishReason.STOP, g.finishReason(), time);
            assertTrue(whole.text().startsWith(g.text()));
            assertTrue(g.text().endsWith(stop), g.text());
            String beforeLast = g.text().substring(0, g.text().length() - seen.get(seen.size() - 1).text().length());
            assertFalse(beforeLast.contains(stop), "stops at the first occurrence");
            assertTrue(g.outputTokens() <= 22);
            engine.close();
        }
    }

    @Test
    void stopSequenceInsideTheAnswerLine() {
        Generation g = generate(engine("virtual"), new GenerationParams(100_000, 0, 1, 0, List.of("Answer:")),
                new ArrayList<>());
        assertEquals(FinishReason.STOP, g.finishReason());
        assertTrue(g.text().endsWith("\nAnswer:"), g.text());
    }
}
