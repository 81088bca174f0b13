package dev.moaflink.engine.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moaflink.engine.GenerationParams;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP exchange of a generation (the first, or a retry): it waits for a request slot, sends the streamed
 * request, turns the event stream into {@link StreamChunk}s for its {@link Owner}, and watches for a stream that
 * stalls. It reports how it ended and leaves what follows (finish, retry, fail) to the owner.
 *
 * <p>State is guarded by the session's monitor ({@code lock}); callbacks from the HTTP client and the timer take it.
 */
final class StreamAttempt {

    /** What an attempt reports, each time holding the session's monitor; nothing is reported after {@link StreamAttempt#end}. */
    interface Owner {

        /** A chunk of the stream (never one carrying an error). */
        void chunk(StreamAttempt attempt, StreamChunk chunk);

        /**
         * The stream ended ({@code [DONE]}, the end of the body, or no data for {@code timeout_ms}): the generation
         * is over if the server gave a finish reason (a server may leave the stream open after it), else the attempt
         * failed with {@code unfinished}.
         */
        void streamEnded(StreamAttempt attempt, Failure unfinished);

        void failed(StreamAttempt attempt, Failure failure);
    }

    private final Object lock;
    private final OpenAiEngine engine;
    private final OpenAiOptions options;
    private final int number;
    private final ObjectNode body;
    private final ClientTimings timings;
    private final Owner owner;

    private CompletableFuture<Void> permit;
    private boolean holdsPermit;
    private boolean ended;
    private long permitAskedNanos;
    private volatile long lastDataNanos;
    private CompletableFuture<HttpResponse<Void>> response;
    private volatile SseSubscriber subscriber;
    private volatile String errorBody;
    private volatile String wrongContentType;
    private ScheduledFuture<?> watchdog;

    /** @param body the request, as {@link #body} builds it */
    StreamAttempt(Object lock, OpenAiEngine engine, int number, ObjectNode body, ClientTimings timings, Owner owner) {
        this.lock = lock;
        this.engine = engine;
        this.options = engine.options();
        this.number = number;
        this.body = body;
        this.timings = timings;
        this.owner = owner;
    }

    /**
     * The streamed request of a generation of {@code prompt}, asking for usage and (as configured) log-probs, with the
     * {@code priority} of its query when the options send one ({@code priority} null: none).
     */
    static ObjectNode body(OpenAiOptions options, String prompt, GenerationParams params, Long priority) {
        ObjectNode body = options.endpoint().body(options.servedModel(), prompt)
                .put("max_tokens", params.maxTokens())
                .put("temperature", params.temperature())
                .put("top_p", params.topP())
                // llama.cpp reads a 32-bit unsigned seed; any fixed mapping keeps runs reproducible.
                .put("seed", Math.floorMod(params.seed(), 1L << 31))
                .put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (priority != null) {
            body.put("priority", priority);
        }
        if (options.logprobs()) {
            options.endpoint().askLogprobs(body);
        }
        return body;
    }

    /** Which attempt of its generation this is, from 1. */
    int number() {
        return number;
    }

    /** Asks for a request slot (ahead of warm-ups) and sends the request once granted one. */
    void start() {
        permitAskedNanos = System.nanoTime();
        permit = engine.permits().acquire(true);
        permit.thenRunAsync(this::send, engine.executor());
    }

    /** Gives the attempt's request slot back and, with {@code abort}, stops its exchange (closing the stream). */
    void end(boolean abort) {
        if (ended) {
            return;
        }
        ended = true;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        if (holdsPermit) {
            holdsPermit = false;
            engine.permits().release();
        } else {
            permit.cancel(false); // a grant that raced with this is given back by send()
        }
        if (abort) {
            SseSubscriber s = subscriber;
            if (s != null) {
                s.cancel();
            }
            if (response != null) {
                response.cancel(true);
            }
        }
    }

    private URI url() {
        return engine.url(options.endpoint().path());
    }

    private void send() {
        synchronized (lock) {
            if (ended) {
                engine.permits().release();
                return;
            }
            holdsPermit = true;
            long now = System.nanoTime();
            timings.queued(now - permitAskedNanos);
            try {
                lastDataNanos = now;
                response = engine.client().sendAsync(engine.post(options.endpoint().path(), body, true),
                        this::bodyFor);
                watchdog = engine.timer().schedule(this::checkIdle, options.timeoutMs(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                owner.failed(this, Failure.fatal("request to " + url() + " not sent: " + e));
                return;
            }
            response.whenComplete(this::responseEnded);
        }
    }

    /** The body handler: events of a 200 event stream go to {@link #onEvent}; any other body is kept as the error. */
    private HttpResponse.BodySubscriber<Void> bodyFor(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                    text -> {
                        errorBody = text;
                        return null;
                    });
        }
        String type = info.headers().firstValue("Content-Type").orElse("text/event-stream");
        if (!type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
            wrongContentType = type;
            return HttpResponse.BodySubscribers.discarding();
        }
        SseSubscriber s = new SseSubscriber(this::onEvent, () -> lastDataNanos = System.nanoTime());
        subscriber = s;
        synchronized (lock) {
            if (ended) {
                s.cancel();
            }
        }
        return s;
    }

    private void onEvent(SseParser.Event event) {
        synchronized (lock) {
            if (ended) {
                return;
            }
            String data = event.data().strip();
            if (data.isEmpty()) {
                return;
            }
            if (data.equals("[DONE]")) {
                owner.streamEnded(this, Failure.retryable("the server ended the stream without a finish reason"));
                return;
            }
            StreamChunk chunk;
            try {
                chunk = options.endpoint().parse(OpenAiEngine.JSON.readTree(data));
            } catch (IOException | RuntimeException e) {
                owner.failed(this, Failure.retryable("malformed JSON in the event stream: " + e.getMessage()));
                return;
            }
            if (chunk.error() != null) {
                owner.failed(this, Failure.retryable("the server reported an error in the stream: " + chunk.error()));
                return;
            }
            owner.chunk(this, chunk);
        }
    }

    private void responseEnded(HttpResponse<Void> r, Throwable error) {
        synchronized (lock) {
            if (ended) {
                return;
            }
            if (error != null) {
                owner.failed(this, Failure.of(url(), error, options.connectTimeoutMs()));
            } else if (r.statusCode() != 200) {
                owner.failed(this, Failure.http(url(), r.statusCode(), errorBody));
            } else if (wrongContentType != null) {
                owner.failed(this, Failure.fatal("the server answered a streamed request with Content-Type "
                        + wrongContentType + ", not an event stream"));
            } else {
                owner.streamEnded(this, Failure.retryable("the stream ended before the server finished the "
                        + "generation"));
            }
        }
    }

    /** The watchdog: a stream with no data for {@code timeout_ms} has stalled. */
    private void checkIdle() {
        synchronized (lock) {
            if (ended) {
                return;
            }
            long limit = TimeUnit.MILLISECONDS.toNanos(options.timeoutMs());
            long idle = System.nanoTime() - lastDataNanos;
            if (idle < limit) {
                watchdog = engine.timer().schedule(this::checkIdle, limit - idle, TimeUnit.NANOSECONDS);
            } else {
                owner.streamEnded(this, Failure.retryable("no data from " + url() + " for " + options.timeoutMs()
                        + " ms (timeout_ms)"));
            }
        }
    }
}
