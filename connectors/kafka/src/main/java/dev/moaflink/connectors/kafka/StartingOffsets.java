package dev.moaflink.connectors.kafka;

/**
 * Where a source starts reading a partition when the job has no checkpointed position for it. A job
 * restored from a checkpoint or savepoint always resumes from the offsets in that snapshot.
 */
public enum StartingOffsets {
    /** From the first retained record. */
    EARLIEST,
    /** Only records written after the job starts. */
    LATEST,
    /** From the consumer group's committed offset, or the first retained record where there is none. */
    COMMITTED_OR_EARLIEST
}
