package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what a simulated model writes for a session: which answer, whether it is right, how long the
 * output is and how confident it sounds. Stateless and thread-safe; every draw is seeded by the profile's
 * seed and the query or request id.
 *
 * <p>Correctness is a Gaussian copula: z = sqrt(rho) Zq + sqrt(1 - rho) Zm, with Zq shared by every model
 * (of the same seed) on the query and Zm private to the request. z is standard normal, so "correct iff
 * Phi(z) &lt; accuracy" (z below Phi^-1(accuracy)) keeps each model's accuracy exact while its errors are
 * correlated with rho. Wrong models also agree on wrong answers: with probability rho they pick the query's
 * "attractive distractor", otherwise a wrong answer of their own.
 */
final class SimModel {

    // Purposes of draws, so that draws from the same id are independent.
    private static final long LATENT = 1;
    private static final long DISTRACTOR = 2;
    private static final long FOLLOW_DISTRACTOR = 3;
    private static final long OWN_WRONG = 4;
    private static final long UNINFORMED = 5;
    private static final long SYNTHESISE = 6;
    private static final long TIE_BREAK = 7;
    private static final long CONFIDENCE = 8;
    private static final long LENGTH = 9;
    private static final long TEXT = 10;

    /** Spread of an output's confidence around its target: log-target scaled by a mean-1 lognormal factor. */
    private static final double CONFIDENCE_JITTER = 0.2;

    private final SimProfile profile;
    private final OutputLengths lengths;
    private final double correctBelow;
    private final double queryWeight;
    private final double modelWeight;

    /** The query facts of {@code context}, whose correct answer is {@code gold} (null: unknown), under this model's seed. */
    QueryFacts facts(PromptContext context, String gold) {
        return new QueryFacts(context, gold, profile.seed());
    }

    SimModel(SimProfile profile) {
        this.profile = profile;
        this.lengths = new OutputLengths(profile.outputMeanTokens(), profile.outputP95Tokens());
        this.correctBelow = Normal.inverseCdf(profile.accuracy());
        this.queryWeight = Math.sqrt(profile.errorCorrelation());
        this.modelWeight = Math.sqrt(1 - profile.errorCorrelation());
    }

    /**
     * The output for {@code request}.
     *
     * @param prompt the whole prompt text of an aggregator (its candidates are read from it); ignored for
     *               proposers
     */
    OutputTokens respond(SessionRequest request, QueryFacts facts, String prompt) {
        PromptContext context = request.context();
        AnswerSpace space = facts.space;
        long req = Seeds.hash(profile.seed(), request.requestId());
        long query = facts.hash;
        String gold = facts.gold;
        double z = queryWeight * Seeds.gaussian(Seeds.draw(query, LATENT))
                + modelWeight * Seeds.gaussian(Seeds.draw(req, LATENT));
        boolean ownDrawCorrect = z < correctBelow;

        String answer = null;
        if (request.role() == SessionRequest.Role.AGGREGATOR
                && Seeds.uniform(Seeds.draw(req, SYNTHESISE)) < profile.synthesis()) {
            answer = plurality(candidates(prompt, context), gold, ownDrawCorrect, Seeds.draw(req, TIE_BREAK));
        }
        if (answer == null) {
            answer = independent(space, gold, ownDrawCorrect, req, query);
        }

        // Without gold nothing can be scored, but confidence still follows the model's own draw.
        boolean correct = gold == null ? ownDrawCorrect : answer.equals(gold);
        double target = correct ? profile.confidenceCorrect() : profile.confidenceWrong();
        double jitter = Math.exp(CONFIDENCE_JITTER * Seeds.gaussian(Seeds.draw(req, CONFIDENCE))
                - CONFIDENCE_JITTER * CONFIDENCE_JITTER / 2);
        return new OutputTokens(Seeds.draw(req, TEXT), lengths.sample(Seeds.draw(req, LENGTH)), answer,
                Math.log(target) * jitter);
    }

    /** A proposer's answer, or an aggregator's when it does not synthesise. */
    private String independent(AnswerSpace space, String gold, boolean ownDrawCorrect, long req, long query) {
        if (gold == null) {
            return space.any(Seeds.draw(req, UNINFORMED));
        }
        if (ownDrawCorrect) {
            return gold;
        }
        boolean followsCrowd = Seeds.uniform(Seeds.draw(req, FOLLOW_DISTRACTOR)) < profile.errorCorrelation();
        return followsCrowd ? space.wrong(gold, Seeds.draw(query, DISTRACTOR)) : space.wrong(gold, Seeds.draw(req, OWN_WRONG));
    }

    private static List<String> candidates(String prompt, PromptContext context) {
        List<String> valid = new ArrayList<>();
        for (String raw : CandidateAnswers.in(prompt)) {
            String c = CandidateAnswers.canonical(context.taskType(), context.choices().size(), raw);
            if (c != null) {
                valid.add(c);
            }
        }
        return valid;
    }

    /**
     * The most frequent candidate, or null when there are none. Ties go to gold only when the model's own
     * draw is correct; otherwise to a seeded pick among the other tied answers.
     */
    private static String plurality(List<String> candidates, String gold, boolean ownDrawCorrect, long bits) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        int best = 0;
        for (String c : candidates) {
            best = Math.max(best, counts.merge(c, 1, Integer::sum));
        }
        List<String> tied = new ArrayList<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() == best) {
                tied.add(e.getKey());
            }
        }
        if (tied.size() <= 1) {
            return tied.isEmpty() ? null : tied.get(0);
        }
        if (gold != null && tied.contains(gold)) {
            if (ownDrawCorrect) {
                return gold;
            }
            tied.remove(gold);
        }
        return tied.get(Seeds.below(bits, tied.size()));
    }
}
