package dev.moaflink.engine;

import java.util.Objects;

/**
 * Opens a session.
 *
 * @param requestId    unique per session (e.g. {@code queryId/nodeId}); simulated outputs are seeded by it
 * @param promptPrefix prompt text known now; more may be appended later
 * @param context      structured facts about the prompt (see {@link PromptContext})
 * @param role         what the caller uses the session for: proposers answer, aggregators synthesise
 * @param level        the calling agent's level in its topology (1: proposers, 2: their aggregators, ...; 0: none):
 *                     an engine that prefills text appended ahead of generate serves lower levels first, whose
 *                     inputs finish, and whose generate comes, sooner
 * @param queryArrivalMs when the session's query arrived, epoch milliseconds (0: unknown, the engine takes the time
 *                     it first sees the query): engines that schedule by query serve earlier queries first
 */
public record SessionRequest(String requestId, String promptPrefix, PromptContext context, Role role, int level,
                             long queryArrivalMs) {

    public enum Role { PROPOSER, AGGREGATOR }

    public SessionRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(promptPrefix, "promptPrefix");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(role, "role");
        if (level < 0) {
            throw new IllegalArgumentException("level must be >= 0, was " + level);
        }
        if (queryArrivalMs < 0) {
            throw new IllegalArgumentException("queryArrivalMs must be >= 0, was " + queryArrivalMs);
        }
    }

    /** A session at {@code level} whose query's arrival is unknown. */
    public SessionRequest(String requestId, String promptPrefix, PromptContext context, Role role, int level) {
        this(requestId, promptPrefix, context, role, level, 0);
    }

    /** A session outside any topology (level 0). */
    public SessionRequest(String requestId, String promptPrefix, PromptContext context, Role role) {
        this(requestId, promptPrefix, context, role, 0, 0);
    }
}
