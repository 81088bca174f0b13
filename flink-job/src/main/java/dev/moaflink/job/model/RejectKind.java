package dev.moaflink.job.model;

/** Why an input record was dead-lettered. Metric and topic consumers key on these names. */
public enum RejectKind {
    MALFORMED_AVRO,
    UNKNOWN_SCHEMA,
    EMPTY_RECORD,
    MALFORMED_JSON,
    MISSING_FIELD,
    EMPTY_TEXT,
    FIELD_TOO_LARGE,
    BAD_CHOICES,
    UNKNOWN_TOPOLOGY
}
