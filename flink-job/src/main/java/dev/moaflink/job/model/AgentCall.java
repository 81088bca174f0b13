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
 * @param phase           RUN: run the node (the whole prompt is in the call). With prefill/decode overlap on a
 *                        real-time engine a RUN is preceded by an OPEN (open the session and prefill the prefix
 *                        now) and APPENDs (append these parts now, while the inputs still decode); the RUN then
 *                        repeats the whole prompt, so that it also works where the opened session is gone
 * @param openOffsetMs    virtual-time overlap: when the session opened (engine clock, relative to submission)
 * @param partReadyMs     virtual-time overlap: when each prompt part became available (non-decreasing), or null
 *                        when the whole prompt was ready at {@code readyOffsetMs}
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
        Consensus consensus,
        Phase phase,
        double openOffsetMs,
        double[] partReadyMs) {

    public enum Phase { OPEN, APPEND, RUN }

    /** A RUN call whose whole prompt was ready at {@code readyOffsetMs}. */
    public AgentCall(QueryTask query, String nodeId, int level, String model, String promptPrefix,
                     String[] promptParts, double readyOffsetMs, double upstreamCriticalMs, boolean skip,
                     String[] inputs, NodeTrace[] upstream, double voteShare, Consensus consensus) {
        this(query, nodeId, level, model, promptPrefix, promptParts, readyOffsetMs, upstreamCriticalMs, skip, inputs,
                upstream, voteShare, consensus, Phase.RUN, readyOffsetMs, null);
    }

    private static final String[] NONE = new String[0];
    private static final NodeTrace[] NO_TRACES = new NodeTrace[0];

    /** Opens the node's session now and prefills {@code promptPrefix} (prefill/decode overlap). */
    public static AgentCall open(QueryTask query, String nodeId, int level, String model, String promptPrefix) {
        return new AgentCall(query, nodeId, level, model, promptPrefix, NONE, 0, 0, false, NONE, NO_TRACES, 0, null,
                Phase.OPEN, 0, null);
    }

    /** Appends {@code text} to the node's open session. */
    public static AgentCall append(QueryTask query, String nodeId, int level, String model, String text) {
        return new AgentCall(query, nodeId, level, model, "", new String[] {text}, 0, 0, false, NONE, NO_TRACES, 0,
                null, Phase.APPEND, 0, null);
    }

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
