package dev.moaflink.openai.server;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One engine session serving one completion request: opens it on the whole prompt, generates, and hands the tokens,
 * cut at the request's stop sequences, to the reply on the request's thread. The engine's listener runs on its own
 * threads, so tokens and the end reach the request's thread through a queue.
 */
final class SessionDriver implements AutoCloseable {

    /** The end of a generation as the client sees it: a finish reason, or an error for a stream that breaks off. */
    record Outcome(String finishReason, int promptTokens, int completionTokens, String error) {}

    /** Takes the tokens that can be shown, in order. */
    @FunctionalInterface
    interface PieceSink {
        void accept(List<StopScanner.Piece> pieces) throws IOException;
    }

    private final EngineSession session;
    /** The request field that carries the prompt, named in a refusal. */
    private final String promptParam;
    private final ServerStats stats;
    /** Tokens, then the {@link Generation}. */
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private Object first;

    private SessionDriver(EngineSession session, String promptParam, ServerStats stats) {
        this.session = session;
        this.promptParam = promptParam;
        this.stats = stats;
    }

    /**
     * Opens a session on {@code prompt}.
     *
     * @param promptParam the request field that carries the prompt, named in a refusal
     * @throws ApiError 400 (context_length_exceeded) for a prompt the engine refuses, 503 when it cannot take one
     */
    static SessionDriver open(LlmEngine engine, String id, String prompt, String promptParam, ServerStats stats)
            throws ApiError {
        EngineSession session;
        try {
            session = engine.open(new SessionRequest(id, prompt, PromptContext.freeText(id),
                    SessionRequest.Role.PROPOSER));
        } catch (RequestRefusedException e) {
            throw ApiError.contextLength(promptParam, e.getMessage());
        } catch (RuntimeException e) {
            throw new ApiError(503, "server_error", null, null, "the engine cannot take the request: " + e.getMessage());
        }
        stats.sessionOpened();
        return new SessionDriver(session, promptParam, stats);
    }

    /**
     * Starts the generation and waits for its first token, so that a failure before it is still an HTTP error status
     * (clients retry a 500).
     *
     * @throws ApiError 400 (context_length_exceeded) for a refusal, 500 for an engine error
     */
    void generate(GenerationParams params) throws ApiError, InterruptedException {
        session.generate(params, events::add).whenComplete((g, err) -> events.add(g != null ? g
                : Generation.failed("the engine failed: " + err, 0, PhaseTimings.ZERO)));
        first = events.take();
        if (first instanceof Generation g && g.finishReason() == FinishReason.REFUSED) {
            throw ApiError.contextLength(promptParam, g.error());
        }
        if (first instanceof Generation g && g.finishReason() != FinishReason.STOP
                && g.finishReason() != FinishReason.LENGTH) {
            throw new ApiError(500, "server_error", null, null, "the engine failed: " + g.error());
        }
    }

    /**
     * Feeds the engine's tokens through {@code stop} to {@code sink} until the generation ends: at a stop sequence the
     * session is cancelled and the rest of its output dropped. Call after {@link #generate}.
     */
    Outcome run(List<String> stop, PieceSink sink) throws IOException, InterruptedException {
        StopScanner stops = new StopScanner(stop);
        int tokens = 0;
        Object item = first;
        while (item instanceof Token t) {
            tokens++;
            sink.accept(stops.offer(t.text(), t.logProb()));
            if (stops.stopped()) {
                session.cancel();
                Generation g = awaitEnd();
                return new Outcome("stop", g.promptTokens(), tokens, null);
            }
            item = events.take();
        }
        Generation g = (Generation) item;
        sink.accept(stops.flush());
        return switch (g.finishReason()) {
            case STOP -> new Outcome("stop", g.promptTokens(), tokens, null);
            case LENGTH -> new Outcome("length", g.promptTokens(), tokens, null);
            case CANCELLED -> new Outcome(null, g.promptTokens(), tokens, "the engine cancelled the generation");
            case ERROR, REFUSED -> new Outcome(null, g.promptTokens(), tokens, "the engine failed: " + g.error());
        };
    }

    /** The client went away: stops the generation. */
    void cancel() {
        session.cancel();
    }

    @Override
    public void close() {
        session.close();
        stats.sessionClosed();
    }

    private Generation awaitEnd() throws InterruptedException {
        while (true) {
            if (events.take() instanceof Generation g) {
                return g;
            }
        }
    }
}
