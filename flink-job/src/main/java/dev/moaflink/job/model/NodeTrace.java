package dev.moaflink.job.model;

import dev.moaflink.schema.NodeStatus;

/**
 * One agent node's record of what it did for one query; becomes an Avro {@code AgentTrace} at the sink.
 * Offsets and durations are milliseconds in the engine's clock (see {@code EngineInfo#virtualTime}).
 *
 * @param simulated   the node ran on a simulated engine (reports must say so)
 * @param virtualTime its times are modelled, not measured
 * @param bypassed    an aggregator not run because its inputs agreed (status SKIPPED, output = their answer)
 * @param voteShare   largest agreeing group of its inputs / number of inputs (aggregators, bypass on)
 * @param cachedPromptTokens prompt tokens the engine took from its prefix cache instead of computing
 */
public record NodeTrace(
        String nodeId,
        int level,
        String model,
        String worker,
        int replica,
        NodeStatus status,
        String[] inputs,
        double queueMs,
        double prefillMs,
        double prefillExposedMs,
        double decodeMs,
        double firstTokenMs,
        double startOffsetMs,
        double endOffsetMs,
        int promptTokens,
        int outputTokens,
        double confidence,
        String extractedAnswer,
        String error,
        boolean simulated,
        boolean virtualTime,
        boolean bypassed,
        double voteShare,
        int cachedPromptTokens) {

    /** This trace with its outcome replaced (e.g. a sibling stopped by early exit): status, decode, end, output. */
    public NodeTrace withOutcome(NodeStatus newStatus, double newDecodeMs, double newEndOffsetMs, int newOutputTokens,
                                 String newExtractedAnswer, String newError) {
        return new NodeTrace(nodeId, level, model, worker, replica, newStatus, inputs, queueMs, prefillMs,
                prefillExposedMs, newDecodeMs, firstTokenMs, startOffsetMs, newEndOffsetMs, promptTokens,
                newOutputTokens, confidence, newExtractedAnswer, newError, simulated, virtualTime, bypassed, voteShare,
                cachedPromptTokens);
    }

    /**
     * This node as stopped at {@code at} before it did any work (or was bypassed): CANCELLED, no prefill, no decode,
     * no tokens, not bypassed.
     */
    public NodeTrace stoppedBeforeStart(double at, String newError) {
        return new NodeTrace(nodeId, level, model, worker, replica, NodeStatus.CANCELLED, inputs, 0, 0, 0, 0, 0, at, at,
                0, 0, confidence, null, newError, simulated, virtualTime, false, voteShare, 0);
    }

    /** Whether the node produced an output its parents read: it ran, or it was bypassed with its inputs' answer. */
    public boolean hasOutput() {
        return status == NodeStatus.RAN || bypassed;
    }
}
