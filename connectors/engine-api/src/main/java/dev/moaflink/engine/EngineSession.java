package dev.moaflink.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One conversation with a model: a prompt that may grow (incremental prefill), then one generation.
 *
 * <p>Threading: every method returns without waiting for inference. {@link TokenListener} callbacks run on
 * an engine thread (or, for virtual-time engines, possibly on the caller's thread) in token order; callers
 * must hand results over to their own thread (a Flink operator posts them to its mailbox).
 */
public interface EngineSession extends AutoCloseable {

    String requestId();

    /**
     * Appends prompt text. Its prefill is queued behind any earlier prefill of this session and runs while
     * the caller waits for more input. Must be called before {@link #generate}.
     *
     * @throws IllegalStateException after generate, cancel or close
     */
    void append(String text);

    /**
     * Decodes once all appended prompt is prefilled, streaming each token to {@code listener}.
     * The returned future always completes normally, with a {@link FinishReason} (ERROR carries the
     * message in {@link Generation#error()}). May be called once per session.
     */
    CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener);

    /** Stops prefill or decode as soon as possible; generate completes with CANCELLED. Idempotent. */
    void cancel();

    /** Tokens of prompt accepted so far (prefilled or queued). */
    int promptTokens();

    /** Frees the session's KV cache. Cancels work still running. Idempotent. */
    @Override
    void close();
}
