package dev.moaflink.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** End-of-sequence token or a stop sequence. */
    STOP,
    /** Reached max tokens. */
    LENGTH,
    /** {@link EngineSession#cancel()} was called. */
    CANCELLED,
    /** The engine failed; see {@link Generation#error()}. Transient: the same request may succeed again. */
    ERROR,
    /**
     * The engine can never serve this request as it stands (a prompt larger than the model's context or the KV
     * budget, a query it cannot interpret); see {@link Generation#error()}. Retrying is pointless.
     */
    REFUSED
}
