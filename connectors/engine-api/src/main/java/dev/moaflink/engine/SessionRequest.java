package dev.moaflink.engine;

import java.util.Objects;

/**
 * Opens a session.
 *
 * @param requestId    unique per session (e.g. {@code queryId/nodeId}); simulated outputs are seeded by it
 * @param promptPrefix prompt text known now; more may be appended later
 * @param context      structured facts about the prompt (see {@link PromptContext})
 * @param role         what the caller uses the session for: proposers answer, aggregators synthesise
 */
public record SessionRequest(String requestId, String promptPrefix, PromptContext context, Role role) {

    public enum Role { PROPOSER, AGGREGATOR }

    public SessionRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(promptPrefix, "promptPrefix");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(role, "role");
    }
}
