package dev.moaflink.engine.sim;

import dev.moaflink.engine.PromptContext;

/**
 * What a simulated model derives from a query alone, the same for every session on it: its answer space,
 * canonical gold answer and hashed id. A query's calls arrive together, so an engine keeps the last one
 * instead of re-deriving it (gold parsing, id hashing) for every session.
 */
final class QueryFacts {

    final PromptContext context;
    /** The gold answer as the caller gave it (null: none), to tell the facts of one query from another's. */
    final String givenGold;
    final AnswerSpace space;
    /** The canonical gold answer, or null (see {@link AnswerSpace#gold}). */
    final String gold;
    /** The query id hashed under the profile's seed. */
    final long hash;

    /**
     * @param givenGold the query's known correct answer, or null
     * @throws dev.moaflink.engine.EngineException when the query cannot be answered (see {@link AnswerSpace#of}) */
    QueryFacts(PromptContext context, String givenGold, long seed) {
        this.context = context;
        this.givenGold = givenGold;
        this.space = AnswerSpace.of(context);
        this.gold = space.gold(givenGold);
        this.hash = Seeds.hash(seed, context.queryId());
    }
}
