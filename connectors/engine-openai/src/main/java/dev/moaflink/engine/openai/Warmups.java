package dev.moaflink.engine.openai;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's prefix-cache warm-ups, which stand in for incremental prefill: an HTTP server has none, so as the prompt
 * grows a one-token, non-streamed request goes out over the prompt so far, after which the server's prefix cache
 * (vLLM automatic prefix caching, SGLang's radix cache, llama.cpp's prompt cache) holds it and the generation only
 * prefills what came after. At most one warm-up is in flight; growth meanwhile is coalesced into one warm-up of the
 * latest prefix when it returns. When generate comes, a warm-up in flight is waited for (its prefix is then cached:
 * the wait is prefill the generation would have done itself) and one still waiting for a request slot is dropped.
 * Warm-ups are best effort: a failed one is ignored, except a refusal for context length, which the session then
 * reports for the whole prompt.
 *
 * <p>State is guarded by the session's monitor ({@code lock}): the session calls in holding it, and the warm-ups'
 * own continuations take it.
 */
final class Warmups {

    /** Sends one warm-up over {@code prompt}; cancelling the future aborts the exchange. */
    @FunctionalInterface
    interface Sender {
        CompletableFuture<HttpResponse<String>> send(String prompt);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Warmups.class);

    private final Object lock;
    private final String requestId;
    private final CharSequence prompt;
    private final AsyncPermits slots;
    private final Executor executor;
    private final Sender sender;
    private final UnaryOperator<String> redact;

    /** A warm-up waits for a request slot or is in flight. */
    private boolean running;
    /** The prompt grew after the running warm-up took its copy. */
    private boolean stale;
    private boolean cancelled;
    /** Starts the generation once no warm-up runs; set when generate was called. */
    private Runnable generation;
    private CompletableFuture<Void> permit;
    private CompletableFuture<HttpResponse<String>> response;
    private long sentNanos = -1;
    /** Time of the warm-ups that ended. */
    private long spentNanos;
    /** Prompt length the last successful warm-up covered, and the server's count of its tokens. */
    private int warmedChars;
    private Endpoint.Usage warmedUsage;
    /** Why the server refused a prefix of this prompt (context length), or null. */
    private String refusal;

    /**
     * @param prompt   the session's prompt, read when a warm-up is sent
     * @param slots    the engine's request slots; warm-ups yield to generations
     * @param executor runs a warm-up once it is granted a slot
     * @param redact   removes the API key from messages
     */
    Warmups(Object lock, String requestId, CharSequence prompt, AsyncPermits slots, Executor executor, Sender sender,
            UnaryOperator<String> redact) {
        this.lock = lock;
        this.requestId = requestId;
        this.prompt = prompt;
        this.slots = slots;
        this.executor = executor;
        this.sender = sender;
        this.redact = redact;
    }

    /** The prompt grew: warms it now, or once the warm-up running returns. */
    void promptGrew() {
        if (generation != null || cancelled || refusal != null) {
            return;
        }
        if (running) {
            stale = true;
            return;
        }
        if (prompt.length() == 0 || prompt.length() == warmedChars) {
            return;
        }
        running = true;
        stale = false;
        CompletableFuture<Void> p = slots.acquire(false);
        permit = p;
        // Async: a grant comes from another session's release, which may hold that session's monitor.
        p.thenRunAsync(this::send, executor);
    }

    /**
     * Generate was called: no more warm-ups. {@code start} runs now, or once the warm-up in flight returns; one still
     * waiting for a slot is dropped.
     */
    void thenGenerate(Runnable start) {
        generation = start;
        if (running && permit != null && permit.cancel(false)) {
            running = false; // not sent yet: nothing to wait for
            permit = null;
        }
        if (!running) {
            start.run();
        }
    }

    /** Withdraws a warm-up waiting for a slot and aborts one in flight. */
    void cancel() {
        cancelled = true;
        if (permit != null) {
            permit.cancel(false);
        }
        if (response != null) {
            response.cancel(true);
        }
    }

    /** Why the server refused the prompt for its length, or null. */
    String refusal() {
        return refusal;
    }

    /** Time the warm-ups took up to {@code nowNanos}, the one in flight included. */
    long nanosUntil(long nowNanos) {
        return spentNanos + (sentNanos >= 0 ? nowNanos - sentNanos : 0);
    }

    /** The prompt's tokens: the server's count of the warmed prefix plus an estimate of the rest. */
    int promptTokens() {
        if (warmedUsage != null) {
            return warmedUsage.promptTokens() + estimateTokens(prompt.length() - warmedChars);
        }
        return estimateTokens(prompt.length());
    }

    /** A rough count (four characters a token), used only until the server reports its own. */
    private static int estimateTokens(int chars) {
        return (chars + 3) / 4;
    }

    private void send() {
        synchronized (lock) {
            permit = null;
            if (generation != null || cancelled) {
                slots.release();
                running = false;
                if (generation != null) {
                    generation.run();
                }
                return;
            }
            String snapshot = prompt.toString();
            try {
                sentNanos = System.nanoTime();
                response = sender.send(snapshot);
            } catch (RuntimeException e) {
                LOG.debug("warm-up of {} not sent: {}", requestId, e.toString());
                slots.release();
                sentNanos = -1;
                running = false;
                return;
            }
            response.whenComplete((r, err) -> done(snapshot.length(), r, err));
        }
    }

    private void done(int chars, HttpResponse<String> r, Throwable error) {
        synchronized (lock) {
            slots.release();
            spentNanos += System.nanoTime() - sentNanos;
            sentNanos = -1;
            response = null;
            running = false;
            if (r != null && r.statusCode() == 200) {
                try {
                    Endpoint.Usage u = Endpoint.Usage.of(OpenAiEngine.JSON.readTree(r.body()).get("usage"));
                    if (u != null) {
                        warmedUsage = u;
                    }
                } catch (IOException e) {
                    LOG.debug("warm-up of {}: unreadable response: {}", requestId, e.getMessage());
                }
                warmedChars = chars;
            } else if (r != null) {
                Failure f = Failure.http(r.uri(), r.statusCode(), r.body());
                if (f.refused()) {
                    refusal = redact.apply(f.message());
                } else {
                    LOG.debug("warm-up of {} failed: {}", requestId, redact.apply(f.message()));
                }
            } else if (!(error instanceof CancellationException)) {
                LOG.debug("warm-up of {} failed: {}", requestId, redact.apply(String.valueOf(error)));
            }
            if (generation != null) {
                generation.run();
            } else if (stale) {
                promptGrew();
            }
        }
    }
}
