package dev.moaflink.engine.openai;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Receives a streamed response body as the HTTP client reads it and hands each Server-Sent Event to a consumer, in
 * order, on the client's thread: no thread waits on the stream. One buffer is requested at a time, so a consumer
 * that falls behind slows the connection down instead of queueing. {@link #cancel()} stops the stream (the client
 * then closes the connection, which tells the server to stop generating).
 */
final class SseSubscriber implements HttpResponse.BodySubscriber<Void> {

    private final SseParser parser;
    private final Runnable onData;
    private final CompletableFuture<Void> body = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    /**
     * @param events receives the stream's events
     * @param onData runs whenever bytes arrive (the session's stall detection)
     */
    SseSubscriber(Consumer<SseParser.Event> events, Runnable onData) {
        this.parser = new SseParser(events);
        this.onData = onData;
    }

    @Override
    public CompletionStage<Void> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (cancelled) {
            return;
        }
        onData.run();
        try {
            for (ByteBuffer b : buffers) {
                parser.feed(b);
            }
        } catch (RuntimeException e) {
            cancel();
            body.completeExceptionally(e);
            return;
        }
        if (!cancelled) {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable error) {
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        if (!cancelled) {
            try {
                parser.end();
            } catch (RuntimeException e) {
                body.completeExceptionally(e);
                return;
            }
        }
        body.complete(null);
    }

    /** Stops reading; no event is delivered after it returns (unless one is being delivered right now). */
    void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
