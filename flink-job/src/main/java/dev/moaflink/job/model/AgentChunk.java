package dev.moaflink.job.model;

/**
 * Part of an agent's output, streamed downstream while it decodes. Chunks of one node arrive in
 * {@code seq} order; the last one ({@code result != null}) carries the whole output and its statistics.
 *
 * @param text   the new text since the previous chunk
 * @param tokens output tokens generated up to the end of this chunk (on virtual-time engines, the chunk's time is
 *               derived from it: output tokens are taken to be decoded at an even rate)
 * @param query  the query, on a node's first partial chunk only (later ones and the last leave it to the result),
 *               so that a downstream node can open its session before any input has finished
 */
public record AgentChunk(String queryId, String nodeId, int seq, String text, int tokens, QueryTask query,
                         NodeResult result) {

    public AgentChunk(String queryId, String nodeId, int seq, String text, NodeResult result) {
        this(queryId, nodeId, seq, text, result == null ? 0 : result.trace().outputTokens(), null, result);
    }

    public boolean isLast() {
        return result != null;
    }
}
