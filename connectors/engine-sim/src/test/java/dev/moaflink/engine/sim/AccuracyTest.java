package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.PromptContext;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Accuracy, error correlation and confidence over many queries. */
@Timeout(60)
class AccuracyTest {

    private static final int QUERIES = 5000;

    private static double accuracy(SimulatedEngine engine, IntFunction<PromptContext> queries) {
        int correct = 0;
        for (int q = 0; q < QUERIES; q++) {
            PromptContext c = queries.apply(q);
            if (Fixtures.gold(c).equals(Fixtures.answer(engine, Fixtures.proposer(c, "p0")))) {
                correct++;
            }
        }
        return (double) correct / QUERIES;
    }

    @Test
    void multipleChoiceAccuracyMatchesTheProfile() {
        assertEquals(0.6, accuracy(Fixtures.virtualEngine(), Fixtures::multipleChoice), 0.02);
        assertEquals(0.85, accuracy(Fixtures.virtualEngine("accuracy", "0.85", "error_correlation", "0.9"),
                Fixtures::multipleChoice), 0.02);
    }

    @Test
    void numericAccuracyMatchesTheProfile() {
        assertEquals(0.6, accuracy(Fixtures.virtualEngine(), Fixtures::numeric), 0.02);
        assertEquals(0.3, accuracy(Fixtures.virtualEngine("accuracy", "0.3"), Fixtures::numeric), 0.02);
    }

    @Test
    void correlatedErrorsMakeMajorityVotesWorse() {
        double independent = majorityOfThreeAccuracy("0");
        double correlated = majorityOfThreeAccuracy("0.9");
        // Independent errors: P(at least 2 of 3 right) = 0.648 at accuracy 0.6; correlated ones barely help.
        assertTrue(independent > 0.63, "independent " + independent);
        assertTrue(independent > correlated + 0.03, "independent " + independent + " vs correlated " + correlated);
    }

    /** Three proposers of one engine per query, answer = strict plurality of their answers. */
    private static double majorityOfThreeAccuracy(String rho) {
        SimulatedEngine engine = Fixtures.virtualEngine("error_correlation", rho);
        int correct = 0;
        for (int q = 0; q < QUERIES; q++) {
            PromptContext c = Fixtures.multipleChoice(q);
            Map<String, Integer> votes = new HashMap<>();
            for (String node : new String[] {"p0", "p1", "p2"}) {
                votes.merge(Fixtures.answer(engine, Fixtures.proposer(c, node)), 1, Integer::sum);
            }
            if (votes.getOrDefault(Fixtures.gold(c), 0) >= 2) {
                correct++;
            }
        }
        return (double) correct / QUERIES;
    }

    @Test
    void correlatedModelsAgreeOnWrongAnswers() {
        assertTrue(wrongPairsAgreeing("0.9") > wrongPairsAgreeing("0") + 0.3);
    }

    /** Among queries where two proposers are both wrong, how often they give the same wrong answer. */
    private static double wrongPairsAgreeing(String rho) {
        SimulatedEngine engine = Fixtures.virtualEngine("error_correlation", rho);
        int bothWrong = 0;
        int agree = 0;
        for (int q = 0; q < QUERIES; q++) {
            PromptContext c = Fixtures.multipleChoice(q);
            String a = Fixtures.answer(engine, Fixtures.proposer(c, "p0"));
            String b = Fixtures.answer(engine, Fixtures.proposer(c, "p1"));
            if (!a.equals(Fixtures.gold(c)) && !b.equals(Fixtures.gold(c))) {
                bothWrong++;
                agree += a.equals(b) ? 1 : 0;
            }
        }
        return (double) agree / bothWrong;
    }

    @Test
    void correctOutputsAreMoreConfident() {
        SimulatedEngine engine = Fixtures.virtualEngine("output_mean_tokens", "100", "output_p95_tokens", "200");
        double right = 0;
        double wrong = 0;
        int nRight = 0;
        int nWrong = 0;
        for (int q = 0; q < 2000; q++) {
            PromptContext c = Fixtures.multipleChoice(q);
            try (EngineSession s = Fixtures.open(engine, Fixtures.proposer(c, "p0"))) {
                Generation g = Fixtures.generate(s);
                if (Fixtures.gold(c).equals(CandidateAnswers.last(g.text()))) {
                    right += g.confidence();
                    nRight++;
                } else {
                    wrong += g.confidence();
                    nWrong++;
                }
            }
        }
        assertEquals(0.85, right / nRight, 0.05, "mean confidence of correct outputs");
        assertEquals(0.45, wrong / nWrong, 0.05, "mean confidence of wrong outputs");
    }
}
