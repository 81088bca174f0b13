package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Aggregators read "Answer: X" lines in their prompt and follow the plurality. */
@Timeout(30)
class AggregatorTest {

    private static final String HEADER = "Synthesise these responses into one answer.\n";

    @Test
    void followsThePluralityEvenWhenItIsWrong() {
        SimulatedEngine engine = Fixtures.virtualEngine("synthesis", "1", "accuracy", "1");
        for (int q = 0; q < 200; q++) {
            PromptContext c = Fixtures.multipleChoice(q * 4); // gold A
            String prompt = HEADER + "1. because\nAnswer: C\n2. so\nAnswer: A\n3. then\nAnswer: C\n";
            assertEquals("C", Fixtures.answer(engine, Fixtures.aggregator(c, "agg", prompt)));
        }
    }

    @Test
    void readsCandidatesAcrossAppendedChunks() {
        SimulatedEngine engine = Fixtures.virtualEngine("synthesis", "1");
        PromptContext c = Fixtures.multipleChoice(0);
        try (EngineSession s = Fixtures.open(engine, Fixtures.aggregator(c, "agg", HEADER))) {
            // Upstream tokens arrive one by one: the marker and the label in separate appends.
            for (String chunk : new String[] {"1. so", "\nAnswer:", " D", "\n2. thus", "\nAnswer:", " D",
                "\n3. hence", "\nAnswer:", " B"}) {
                s.append(chunk);
            }
            assertEquals("D", CandidateAnswers.last(Fixtures.generate(s).text()));
        }
    }

    @Test
    void tiesGoToGoldOnlyWhenTheModelsOwnDrawIsCorrect() {
        String prompt = HEADER + "Answer: A\nAnswer: C\n";
        PromptContext goldA = Fixtures.multipleChoice(0);
        for (int r = 0; r < 100; r++) {
            SessionRequest request = Fixtures.aggregator(goldA, "agg" + r, prompt);
            assertEquals("A", Fixtures.answer(Fixtures.virtualEngine("synthesis", "1", "accuracy", "1"), request));
            assertEquals("C", Fixtures.answer(Fixtures.virtualEngine("synthesis", "1", "accuracy", "0"), request));
        }
    }

    @Test
    void withoutSynthesisItAnswersLikeAProposer() {
        SimulatedEngine engine = Fixtures.virtualEngine("synthesis", "0", "accuracy", "1");
        String prompt = HEADER + "Answer: C\nAnswer: C\nAnswer: C\n";
        for (int q = 0; q < 100; q++) {
            PromptContext c = Fixtures.multipleChoice(q * 4); // gold A
            assertEquals("A", Fixtures.answer(engine, Fixtures.aggregator(c, "agg", prompt)));
        }
    }

    @Test
    void synthesisRateIsTheProfiles() {
        SimulatedEngine engine = Fixtures.virtualEngine("synthesis", "0.7", "accuracy", "0");
        String prompt = HEADER + "Answer: A\nAnswer: A\nAnswer: B\n";
        int followed = 0;
        int n = 3000;
        for (int q = 0; q < n; q++) {
            PromptContext c = Fixtures.multipleChoice(q * 4 + 3); // gold D: never in the prompt
            followed += "A".equals(Fixtures.answer(engine, Fixtures.aggregator(c, "agg", prompt))) ? 1 : 0;
        }
        // Non-synthesising draws are wrong answers among A..C, a third of them A by chance.
        double expected = 0.7 + 0.3 / 3;
        assertEquals(expected, (double) followed / n, 0.03);
    }

    @Test
    void ignoresInvalidCandidates() {
        SimulatedEngine engine = Fixtures.virtualEngine("synthesis", "1", "accuracy", "1");
        String prompt = HEADER + "End with a line like\nAnswer: <letter>\nAnswer: Z\nAnswer: B\n";
        PromptContext c = Fixtures.multipleChoice(0);
        String answer = Fixtures.answer(engine, Fixtures.aggregator(c, "agg", prompt));
        assertEquals("B", answer);
    }
}
