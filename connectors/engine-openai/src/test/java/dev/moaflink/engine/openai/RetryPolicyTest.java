package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Which failed attempts are sent again, and when. */
class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(2, 50);
    private final Failure unavailable = Failure.http(URI.create("http://h/v1/completions"), 503, "loading");

    @Test
    void retryableFailuresAreRetriedWhileAttemptsAreLeftAndNoTokenWasStreamed() {
        assertTrue(policy.allows(unavailable, 1, 0));
        assertTrue(policy.allows(unavailable, 2, 0));
        assertFalse(policy.allows(unavailable, 3, 0), "two retries: three attempts in all");
        assertFalse(policy.allows(unavailable, 1, 1), "a retry would stream the token again");
        assertFalse(policy.allows(Failure.fatal("HTTP 401"), 1, 0));
        assertFalse(policy.allows(Failure.http(URI.create("http://h/v1/completions"), 400,
                "maximum context length is 4096 tokens"), 1, 0), "a refusal is final");
        assertFalse(new RetryPolicy(0, 50).allows(unavailable, 1, 0));
    }

    @Test
    void theBackoffDoublesPerAttemptWithoutOverflowing() {
        assertEquals(50, policy.backoffMs(1));
        assertEquals(100, policy.backoffMs(2));
        assertEquals(200, policy.backoffMs(3));
        assertEquals(50L << 20, policy.backoffMs(1000));
    }
}
