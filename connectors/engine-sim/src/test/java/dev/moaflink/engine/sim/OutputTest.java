package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.schema.TaskType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What an output looks like, and that it is a function of (seed, request). */
@Timeout(30)
class OutputTest {

    private record Run(Generation generation, List<Token> tokens) {}

    private static Run run(SimulatedEngine engine, SessionRequest request, GenerationParams params) {
        List<Token> tokens = new ArrayList<>();
        try (EngineSession s = Fixtures.open(engine, request)) {
            return new Run(s.generate(params, tokens::add).join(), tokens);
        }
    }

    private static Run run(SimulatedEngine engine, SessionRequest request) {
        return run(engine, request, GenerationParams.greedy(100_000));
    }

    @Test
    void sameSeedAndRequestGiveTheSameOutputDifferentSeedsDoNot() {
        SessionRequest request = Fixtures.proposer(Fixtures.multipleChoice(7), "p0");
        Run a = run(Fixtures.virtualEngine("output_mean_tokens", "60", "output_p95_tokens", "120"), request);
        Run b = run(Fixtures.virtualEngine("output_mean_tokens", "60", "output_p95_tokens", "120"), request);
        Run c = run(Fixtures.virtualEngine("output_mean_tokens", "60", "output_p95_tokens", "120", "seed", "43"),
                request);

        assertEquals(a.generation().text(), b.generation().text());
        assertEquals(a.tokens(), b.tokens()); // ids, texts and log-probs
        assertEquals(a.generation().sumLogProb(), b.generation().sumLogProb());
        assertNotEquals(a.generation().text(), c.generation().text());
    }

    @Test
    void differentRequestsOfOneQueryDiffer() {
        SimulatedEngine engine = Fixtures.virtualEngine("output_mean_tokens", "60", "output_p95_tokens", "120");
        PromptContext q = Fixtures.multipleChoice(7);
        assertNotEquals(run(engine, Fixtures.proposer(q, "p0")).generation().text(),
                run(engine, Fixtures.proposer(q, "p1")).generation().text());
    }

    @Test
    void outputIsReasoningWordsThenAnAnswerLine() {
        SimulatedEngine engine = Fixtures.virtualEngine("output_mean_tokens", "60", "output_p95_tokens", "120");
        for (int q = 0; q < 50; q++) {
            Run r = run(engine, Fixtures.proposer(Fixtures.multipleChoice(q), "p0"));
            Generation g = r.generation();
            StringBuilder joined = new StringBuilder();
            double sum = 0;
            for (Token t : r.tokens()) {
                joined.append(t.text());
                sum += t.logProb();
                assertTrue(t.logProb() <= 0, "log-prob " + t.logProb());
                assertEquals(t.text().hashCode() & Integer.MAX_VALUE, t.id());
            }
            assertEquals(joined.toString(), g.text());
            assertEquals(r.tokens().size(), g.outputTokens());
            assertEquals(sum, g.sumLogProb(), 1e-6);
            assertEquals(FinishReason.STOP, g.finishReason());

            String[] lines = g.text().split("\n");
            assertEquals(2, lines.length, g.text());
            assertFalse(lines[0].startsWith(" "), "the first token has no leading space");
            assertTrue(lines[1].matches("Answer: [A-D]"), lines[1]);
            assertEquals(" " + lines[1].substring("Answer: ".length()), r.tokens().get(r.tokens().size() - 1).text());
        }
    }

    @Test
    void aOneTokenBudgetStillWritesTheWholeAnswerLine() {
        SimulatedEngine engine = Fixtures.virtualEngine("output_mean_tokens", "1", "output_p95_tokens", "1");
        Generation g = Fixtures.generate(Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(1), "p0")));
        assertTrue(g.text().matches("Answer: [A-D]"), g.text());
        assertEquals(2, g.outputTokens());
    }

    @Test
    void numericWrongAnswersAreNearMissesOfGold() {
        SimulatedEngine engine = Fixtures.virtualEngine("accuracy", "0");
        for (int q = 0; q < 200; q++) {
            PromptContext c = Fixtures.numeric(q);
            String answer = Fixtures.answer(engine, Fixtures.proposer(c, "p0"));
            long gold = Long.parseLong(Fixtures.gold(c));
            long got = Long.parseLong(answer);
            assertNotEquals(gold, got);
            assertTrue(Math.abs(got - gold) <= Math.max(5, gold / 2), answer + " vs gold " + gold);
        }
    }

    @Test
    void freeTextAnswersGoldWhenCorrectAndAPhraseWhenWrong() {
        PromptContext c = Fixtures.context("q1", TaskType.FREE_TEXT, List.of(), "  New   York ");
        assertEquals("New York", Fixtures.answer(Fixtures.virtualEngine("accuracy", "1"), Fixtures.proposer(c, "p0")));
        String wrong = Fixtures.answer(Fixtures.virtualEngine("accuracy", "0"), Fixtures.proposer(c, "p0"));
        assertTrue(wrong.matches("[a-z]+ [a-z]+") && !wrong.equals("New York"), wrong);
    }

    @Test
    void queriesWithoutGoldGetValidAnswers() {
        SimulatedEngine engine = Fixtures.virtualEngine();
        int[] perLabel = new int[4];
        for (int q = 0; q < 400; q++) {
            PromptContext c = Fixtures.context("q" + q, TaskType.MULTIPLE_CHOICE, Fixtures.FOUR_CHOICES, null);
            perLabel[Fixtures.answer(engine, Fixtures.proposer(c, "p0")).charAt(0) - 'A']++;
        }
        for (int n : perLabel) {
            assertTrue(n > 60, "uniform over labels: " + java.util.Arrays.toString(perLabel));
        }
        PromptContext notNumeric = Fixtures.context("q1", TaskType.NUMERIC, List.of(), "many");
        assertTrue(Fixtures.answer(engine, Fixtures.proposer(notNumeric, "p0")).matches("\\d+"));
    }

    @Test
    void lengthsFollowTheProfileMean() {
        SimulatedEngine engine = Fixtures.virtualEngine("output_mean_tokens", "120", "output_p95_tokens", "300");
        int n = 3000;
        long total = 0;
        int[] lengths = new int[n];
        for (int q = 0; q < n; q++) {
            try (EngineSession s = Fixtures.open(engine, Fixtures.proposer(Fixtures.multipleChoice(q), "p0"))) {
                lengths[q] = Fixtures.generate(s).outputTokens();
                total += lengths[q];
            }
        }
        double mean = (double) total / n;
        assertEquals(120, mean, 12, "mean output length");
        java.util.Arrays.sort(lengths);
        assertEquals(300, lengths[(int) (0.95 * n)], 45, "p95 output length");
    }
}
