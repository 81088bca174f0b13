package dev.moaflink.engine.openai;

/**
 * When a failed generation request is sent again, and after how long (options {@code retries} and
 * {@code retry_backoff_ms}).
 *
 * @param retries   requests sent again at most, after the first
 * @param backoffMs the wait before the first retry, doubled for each next one
 */
record RetryPolicy(int retries, int backoffMs) {

    static RetryPolicy of(OpenAiOptions options) {
        return new RetryPolicy(options.retries(), options.retryBackoffMs());
    }

    /**
     * Whether attempt number {@code attempt} (from 1) may be followed by another: the failure allows it, attempts are
     * left, and no token reached the listener yet (a retry would stream it again).
     */
    boolean allows(Failure failure, int attempt, int tokensStreamed) {
        return failure.retryable() && tokensStreamed == 0 && attempt <= retries;
    }

    /** The wait after attempt number {@code attempt} failed. */
    long backoffMs(int attempt) {
        return (long) backoffMs << Math.min(20, attempt - 1);
    }
}
