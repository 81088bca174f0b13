package dev.moaflink.job.model;

import dev.moaflink.schema.TaskType;

/**
 * The final answer inside the job; becomes an Avro {@code Answer} at the sink.
 *
 * @param latencyMs            end-to-end, engine clock (wall for real engines, modelled for virtual time)
 * @param engineCriticalPathMs engine busy time on the critical path; latency minus this is framework cost
 * @param correct              null when the query had no gold answer
 */
public record AnswerRecord(
        String queryId,
        String text,
        String extractedAnswer,
        double confidence,
        boolean aggregatorBypassed,
        boolean degraded,
        Boolean correct,
        String topology,
        TaskType taskType,
        long submittedAtMs,
        long answeredAtMs,
        double latencyMs,
        double engineCriticalPathMs,
        boolean simulated,
        NodeTrace[] trace) {}
