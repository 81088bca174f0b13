package dev.moaflink.job.model;

/**
 * A request for one agent node to run for one query.
 *
 * <p>The prompt is a prefix plus ordered parts. Aggregator prompts put each upstream response in its own
 * part (and the closing instruction in the last), so that an engine can prefill the prefix at once and
 * append the parts as they arrive (Faster-MoA's prefill/decode overlap).
 *
 * @param readyOffsetMs   when the node's inputs were all available, relative to submission (engine clock)
 * @param upstreamCriticalMs engine busy time on the longest upstream path (for overhead accounting)
 * @param skip            true when the node must not run (e.g. every input failed); the agent records it
 * @param inputs          node ids whose outputs are in the prompt parts
 * @param upstream        traces of finished upstream nodes that ride along to the answer
 * @param voteShare       largest group of inputs agreeing on the extracted answer / number of inputs (0 when
 *                        not computed)
 * @param consensus       non-null when the node is bypassed: its inputs agreed, and this is its output (its
 *                        prompt parts are then empty)
 */
public record AgentCall(
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
        Consensus consensus) {

    /**
     * The output of a bypassed aggregator: the agreed answer, the text of the most confident input giving it,
     * and the mean confidence of the inputs giving it.
     */
    public record Consensus(String answer, String text, double confidence) {}

    /** Engine session id: unique per query and node. */
    public String requestId() {
        return query.id() + "/" + nodeId;
    }
}
