package dev.moaflink.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** End-of-sequence token or a stop sequence. */
    STOP,
    /** Reached max tokens. */
    LENGTH,
    /** {@link EngineSession#cancel()} was called. */
    CANCELLED,
    /** The engine failed; see {@link Generation#error()}. */
    ERROR
}
