package dev.moaflink.job.model;

/**
 * Part of an agent's output, streamed downstream while it decodes. Chunks of one node arrive in
 * {@code seq} order; the last one ({@code result != null}) carries the whole output and its statistics.
 *
 * @param text  the new text since the previous chunk
 */
public record AgentChunk(String queryId, String nodeId, int seq, String text, NodeResult result) {

    public boolean isLast() {
        return result != null;
    }
}
