package dev.moaflink.job.model;

import dev.moaflink.schema.TaskType;

/**
 * A validated query inside the job (the Avro {@code Query} is decoded once, at the edge, into this
 * Flink-POJO record so the hot path never falls back to Kryo).
 *
 * @param topology name of the topology that answers it (the job default when the query named none)
 */
public record QueryTask(
        String id,
        String text,
        String[] choices,
        TaskType taskType,
        String gold,
        String topology,
        long submittedAtMs) {}
