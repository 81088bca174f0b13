package dev.moaflink.job.agent;

import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.schema.NodeStatus;

/** How a call ended, as its node's trace records it. */
record Outcome(String text, NodeStatus status, PhaseTimings timings, int promptTokens, int outputTokens,
               double confidence, String error, int cachedPromptTokens) {

    /** A node that never reached an engine (stopped, skipped, or with no engine for its model). */
    static Outcome notRun(NodeStatus status, String why) {
        return new Outcome("", status, PhaseTimings.ZERO, 0, 0, 0.0, why, 0);
    }

    /** A call that failed after its prompt was given to the engine. */
    static Outcome failed(int promptTokens, String why) {
        return new Outcome("", NodeStatus.FAILED, PhaseTimings.ZERO, promptTokens, 0, 0.0, why, 0);
    }
}
