package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.engine.simulation.SimulatedSession;
import dev.moaflink.schema.TaskType;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Engines, queries and sessions the tests share. */
final class Fixtures {

    static final List<String> FOUR_CHOICES = List.of("red", "green", "blue", "yellow");
    /** The gold answer of each query context the tests made: the engine is told it at open, as the job does. */
    private static final Map<PromptContext, String> GOLD = Collections.synchronizedMap(new IdentityHashMap<>());

    private Fixtures() {}

    /** Options from key/value pairs. */
    static Map<String, String> options(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** A free, virtual-time engine with short outputs, plus the given options. */
    static SimulatedEngine virtualEngine(String... keyValues) {
        Map<String, String> m = new HashMap<>(SimProfile.ZERO_COST);
        m.put("time", "virtual");
        m.put("output_mean_tokens", "8");
        m.put("output_p95_tokens", "16");
        m.putAll(options(keyValues));
        return new SimulatedEngine("test-model", SimProfile.parse(m));
    }

    static SimulatedEngine engine(String... keyValues) {
        return new SimulatedEngine("test-model", SimProfile.parse(options(keyValues)));
    }

    /** A query's context whose gold answer is {@code gold} (null: none). */
    static PromptContext context(String queryId, TaskType type, List<String> choices, String gold) {
        PromptContext c = new PromptContext(queryId, type, choices);
        GOLD.put(c, gold);
        return c;
    }

    static String gold(PromptContext context) {
        return GOLD.get(context);
    }

    /** Opens a session that knows its query's gold answer. */
    static SimulatedSession open(SimulatedEngine engine, SessionRequest request) {
        return engine.open(request, GOLD.get(request.context()));
    }

    /** A four-choice query whose gold label cycles through A..D. */
    static PromptContext multipleChoice(int query) {
        return context("q" + query, TaskType.MULTIPLE_CHOICE, FOUR_CHOICES,
                CandidateAnswers.label(query % FOUR_CHOICES.size()));
    }

    static PromptContext numeric(int query) {
        return context("q" + query, TaskType.NUMERIC, List.of(), Integer.toString(query * 7 + 3));
    }

    static SessionRequest proposer(PromptContext context, String node) {
        return new SessionRequest(context.queryId() + "/" + node, "Question " + context.queryId() + "?", context,
                SessionRequest.Role.PROPOSER);
    }

    static SessionRequest aggregator(PromptContext context, String node, String prompt) {
        return new SessionRequest(context.queryId() + "/" + node, prompt, context, SessionRequest.Role.AGGREGATOR);
    }

    /** Generates with a generous token budget and waits for the result. */
    static Generation generate(EngineSession session) {
        return session.generate(GenerationParams.greedy(100_000), TokenListener.NONE).join();
    }

    /** The answer a request gets from {@code engine}, or null if its output has none. */
    static String answer(SimulatedEngine engine, SessionRequest request) {
        try (EngineSession s = open(engine, request)) {
            return CandidateAnswers.last(generate(s).text());
        }
    }
}
