package dev.moaflink.job.model;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A request to an agent operator about one node of one query, in one of three phases.
 *
 * <p>A {@link Run} runs the node with its whole prompt. With prefill/decode overlap on a real-time engine, a Run is
 * preceded by an {@link Open} (open the node's session now and prefill its prompt prefix while its inputs still
 * decode) and {@link Append}s (append these inputs' text now); the Run then repeats the whole prompt, so that it also
 * works where the opened session is gone.
 */
@TypeInfo(AgentCallTypeInfoFactory.class)
public sealed interface AgentCall permits AgentCall.Open, AgentCall.Append, AgentCall.Run {

    QueryTask query();

    String nodeId();

    int level();

    String model();

    /** Engine session id: unique per query and node. */
    default String requestId() {
        return query().id() + "/" + nodeId();
    }

    /** Opens the node's session now and prefills {@code promptPrefix}. */
    record Open(QueryTask query, String nodeId, int level, String model, String promptPrefix) implements AgentCall {}

    /** Appends {@code text} to the node's open session. */
    record Append(QueryTask query, String nodeId, int level, String model, String text) implements AgentCall {}

    /**
     * Runs the node. The prompt is a prefix plus ordered parts: aggregator prompts put each upstream response in its
     * own part, so that an engine can prefill the prefix at once and append the parts as they arrive.
     *
     * @param readyOffsetMs      when the node's inputs were all available, relative to submission (engine clock)
     * @param upstreamCriticalMs engine busy time on the longest upstream path (for overhead accounting)
     * @param skip               the node must not run (e.g. every input failed); the agent records it SKIPPED
     * @param inputs             node ids whose outputs are in the prompt parts
     * @param upstream           traces of finished upstream nodes that ride along to the answer
     * @param voteShare          largest group of inputs agreeing on the extracted answer / number of inputs (0 when
     *                           not computed)
     * @param consensus          non-null when the node is bypassed: its inputs agreed, and this is its output (its
     *                           prompt parts are then empty)
     * @param schedule           virtual time with overlap: when the session opened and each part became available on
     *                           the engine clock; null when the whole prompt was ready at {@code readyOffsetMs}
     */
    record Run(
            QueryTask query,
            String nodeId,
            int level,
            String model,
            String promptPrefix,
            String[] promptParts,
            double readyOffsetMs,
            double upstreamCriticalMs,
            boolean skip,
            String[] inputs,
            NodeTrace[] upstream,
            double voteShare,
            Consensus consensus,
            Schedule schedule) implements AgentCall {

        /** A run whose whole prompt was ready at {@code readyOffsetMs}. */
        public Run(QueryTask query, String nodeId, int level, String model, String promptPrefix, String[] promptParts,
                   double readyOffsetMs, double upstreamCriticalMs, boolean skip, String[] inputs,
                   NodeTrace[] upstream, double voteShare, Consensus consensus) {
            this(query, nodeId, level, model, promptPrefix, promptParts, readyOffsetMs, upstreamCriticalMs, skip,
                    inputs, upstream, voteShare, consensus, null);
        }

        /** When the node could start on the engine clock: at its session's opening when it was opened ahead. */
        public double startOffsetMs() {
            return schedule == null ? readyOffsetMs : Math.min(schedule.openOffsetMs(), readyOffsetMs);
        }
    }

    /**
     * The output of a bypassed aggregator: the agreed answer, the text of the most confident input giving it, and the
     * mean confidence of the inputs giving it.
     */
    record Consensus(String answer, String text, double confidence) {}

    /**
     * Virtual-time overlap: when the node's session opened, and when each prompt part became available
     * (non-decreasing), on the engine clock relative to submission.
     */
    record Schedule(double openOffsetMs, double[] partReadyMs) {}

    static Open open(QueryTask query, String nodeId, int level, String model, String promptPrefix) {
        return new Open(query, nodeId, level, model, promptPrefix);
    }

    static Append append(QueryTask query, String nodeId, int level, String model, String text) {
        return new Append(query, nodeId, level, model, text);
    }
}
