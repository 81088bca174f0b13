package dev.moaflink.job.testing;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;

/** An engine session that runs until the test looks whether it was cancelled. */
public final class RunningSession implements EngineSession {
    private final String id;
    private volatile boolean cancelled;

    public RunningSession(String requestId) {
        this.id = requestId;
    }

    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public String requestId() {
        return id;
    }

    @Override
    public void append(String text) {}

    @Override
    public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        return new CompletableFuture<>();
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public int promptTokens() {
        return 0;
    }

    @Override
    public void close() {}
}
