package dev.moaflink.engine.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.GenerationTranscript;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generation of an {@link OpenAiSession}: its HTTP attempts and their retries ({@link RetryPolicy}), the tokens it
 * streams to the listener, and its end.
 *
 * <p><b>Stop sequences</b> are matched here, through the {@link GenerationTranscript}, not sent to the server: the
 * SPI keeps the stop sequence in the output (the output ends with it), while OpenAI servers cut it off. When one
 * appears the stream is closed, which makes the server stop. {@code max_tokens} is the server's to enforce. A token the
 * server gave no log-prob has log-prob NaN, and so has the generation's sum (its confidence is unknown).
 *
 * <p>State is guarded by the session's monitor: every method is called holding it, and the listener runs under it.
 */
final class StreamedGeneration implements StreamAttempt.Owner {

    private static final Logger LOG = LoggerFactory.getLogger(StreamedGeneration.class);

    private final OpenAiSession session;
    private final OpenAiEngine engine;
    private final ObjectNode body;
    private final TokenListener listener;
    private final RetryPolicy retries;
    private final GenerationTranscript transcript;
    private final ClientTimings timings;
    private final CompletableFuture<Generation> result = new CompletableFuture<>();
    private boolean started;
    private StreamAttempt current;
    private Endpoint.Usage usage;
    private String serverFinish;

    StreamedGeneration(OpenAiSession session, OpenAiEngine engine, String prompt, GenerationParams params,
                       TokenListener listener, ClientTimings timings) {
        this.session = session;
        this.engine = engine;
        this.body = StreamAttempt.body(engine.options(), prompt, params,
                engine.options().priority().value(engine.sinceStartMs(session.queryArrivalMs())));
        this.listener = listener;
        this.retries = RetryPolicy.of(engine.options());
        this.transcript = new GenerationTranscript(params);
        this.timings = timings;
    }

    CompletableFuture<Generation> result() {
        return result;
    }

    /** The server's token counts, once it sent them. */
    Endpoint.Usage usage() {
        return usage;
    }

    /** Sends the first attempt, or returns REFUSED for a prompt the server refused while warming it. */
    void start(String refusal) {
        if (started || result.isDone()) {
            return;
        }
        started = true;
        if (refusal != null) {
            finish(FinishReason.REFUSED, refusal, false);
            return;
        }
        attempt(1);
    }

    /** Ends the generation with what it streamed so far (CANCELLED), closing the stream. */
    void cancel() {
        finish(FinishReason.CANCELLED, null, true);
    }

    private void attempt(int number) {
        current = new StreamAttempt(session, engine, number, body, timings, this);
        current.start();
    }

    @Override
    public void chunk(StreamAttempt attempt, StreamChunk chunk) {
        if (chunk.usage() != null) {
            usage = chunk.usage();
        }
        for (Token t : chunk.tokens()) {
            if (!token(t)) {
                return;
            }
        }
        if (chunk.finishReason() != null) {
            serverFinish = chunk.finishReason();
        }
    }

    /** Streams a token; false when the generation ended on it. */
    private boolean token(Token t) {
        timings.tokenAt(System.nanoTime());
        boolean stop = transcript.add(t.text(), t.logProb());
        try {
            listener.onToken(t);
        } catch (RuntimeException e) {
            LOG.warn("token listener of {} failed; cancelling it", session.requestId(), e);
            finish(FinishReason.ERROR, "token listener failed: " + e, true);
            return false;
        }
        if (stop) {
            finish(FinishReason.STOP, null, true);
            return false;
        }
        return true;
    }

    @Override
    public void streamEnded(StreamAttempt attempt, Failure unfinished) {
        if (serverFinish != null) {
            finishFromServer();
        } else {
            failed(attempt, unfinished);
        }
    }

    /**
     * Ends an attempt that failed: retried when the policy allows it, otherwise the generation ends (REFUSED for a
     * context-length refusal, else ERROR).
     */
    @Override
    public void failed(StreamAttempt attempt, Failure f) {
        attempt.end(true);
        if (f.refused()) {
            finish(FinishReason.REFUSED, f.message(), false);
        } else if (retries.allows(f, attempt.number(), transcript.tokens())) {
            long delay = retries.backoffMs(attempt.number());
            LOG.debug("{}: attempt {} failed ({}); retrying in {} ms", session.requestId(), attempt.number(),
                    engine.redact(f.message()), delay);
            engine.timer().schedule(() -> retry(attempt), delay, TimeUnit.MILLISECONDS);
        } else {
            finish(FinishReason.ERROR, f.after(attempt.number()).message(), false);
        }
    }

    private void retry(StreamAttempt failed) {
        synchronized (session) {
            if (!result.isDone() && current == failed) {
                attempt(failed.number() + 1);
            }
        }
    }

    private void finishFromServer() {
        FinishReason reason = switch (serverFinish) {
            case "stop", "eos", "stop_sequence", "end_turn", "tool_calls", "function_call" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            default -> null;
        };
        if (reason == null) {
            finish(FinishReason.ERROR, "the server ended the generation with finish_reason '" + serverFinish + "'",
                    true);
        } else {
            finish(reason, null, false);
        }
    }

    private void finish(FinishReason reason, String error, boolean abort) {
        if (result.isDone()) {
            return;
        }
        if (current != null) {
            current.end(abort);
        }
        boolean refused = reason == FinishReason.REFUSED;
        boolean failed = reason == FinishReason.ERROR || refused;
        // The server's count when it finished the stream itself; ours when the stream was cut.
        int tokens = usage != null && !abort ? usage.completionTokens() : transcript.tokens();
        int prompt = session.promptTokens();
        int cached = usage == null ? 0 : Math.min(Math.max(0, usage.cachedTokens()), prompt);
        Generation g = new Generation(failed ? "" : transcript.text(), reason, prompt,
                refused ? 0 : tokens, refused ? 0.0 : transcript.sumLogProb(), timings.endAt(System.nanoTime()),
                error == null ? null : engine.redact(error), failed ? 0 : cached);
        engine.ended(session);
        result.complete(g);
    }
}
