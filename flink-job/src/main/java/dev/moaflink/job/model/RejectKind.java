package dev.moaflink.job.model;

/** Why an input record was dead-lettered. Metric and topic consumers key on these names. */
public enum RejectKind {
    MALFORMED_AVRO,
    UNKNOWN_SCHEMA,
    /** Registry Avro written with a schema that cannot be read as the job's (or is not Avro). */
    INCOMPATIBLE_SCHEMA,
    EMPTY_RECORD,
    MALFORMED_JSON,
    MISSING_FIELD,
    EMPTY_TEXT,
    FIELD_TOO_LARGE,
    BAD_CHOICES,
    UNKNOWN_TOPOLOGY,
    /** JSON input naming a task type other than multiple_choice, numeric, free_text. */
    UNKNOWN_TASK_TYPE,
    /** A per-query engine profile override this job does not define. */
    UNKNOWN_PROFILE,
    /** Text and choices estimated above {@code limits.max_prompt_tokens}. */
    PROMPT_TOO_LONG,
    /** A query id already accepted within {@code limits.duplicate_window_ms}. */
    DUPLICATE_ID
}
