package dev.moaflink.job.model;

/**
 * An input the job rejected, with where it came from; becomes an Avro {@code DeadLetter} at the sink.
 *
 * @param kind machine-readable class of the problem (see {@link RejectKind})
 */
public record DeadLetterRecord(
        byte[] payload,
        byte[] key,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String queryId,
        RejectKind kind,
        String reason,
        long failedAtMs) {}
