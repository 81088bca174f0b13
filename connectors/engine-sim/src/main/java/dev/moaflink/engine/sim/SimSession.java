package dev.moaflink.engine.sim;

import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.GenerationTranscript;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.engine.simulation.SimulatedSession;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The front door both simulated sessions share: the prompt, the rule that prompt text is accepted only
 * before generate and cancel, and the one allowed generate. Subclasses decide what time means.
 */
abstract class SimSession implements SimulatedSession {

    protected final SessionRequest request;
    protected final QueryFacts facts;
    protected final SimModel model;
    protected final SimProfile profile;

    // Guarded by this.
    protected final Prompt prompt;
    protected boolean generateCalled;
    protected boolean cancelled;
    // Read by the generate loop, possibly set from a listener or another thread.
    protected volatile boolean stopRequested;

    SimSession(SessionRequest request, QueryFacts facts, SimModel model, SimProfile profile) {
        this.request = request;
        this.facts = facts;
        this.model = model;
        this.profile = profile;
        this.prompt = new Prompt(profile, request.promptPrefix(), request.role() == SessionRequest.Role.AGGREGATOR);
    }

    @Override
    public final String requestId() {
        return request.requestId();
    }

    @Override
    public final synchronized void append(String text) {
        if (generateCalled || cancelled) {
            throw new IllegalStateException("session " + request.requestId() + " no longer accepts prompt text ("
                    + (cancelled ? "cancelled or closed" : "generate was called") + ")");
        }
        appended(prompt.append(text));
    }

    /** Called under the lock after an increment of {@code prefillMs} modelled prefill was appended. */
    protected abstract void appended(double prefillMs);

    /**
     * Claims the session's one generate; call it holding this session's lock. Returns the finished CANCELLED
     * generation when the session was cancelled before generate, otherwise null (go ahead).
     */
    protected final CompletableFuture<Generation> claimGenerate(GenerationParams params, TokenListener listener) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(listener, "listener");
        if (generateCalled) {
            throw new IllegalStateException("generate already called on session " + request.requestId());
        }
        generateCalled = true;
        if (cancelled) {
            return CompletableFuture.completedFuture(new Generation("", FinishReason.CANCELLED, prompt.tokens(), 0,
                    0.0, new PhaseTimings(0, prompt.prefillMs(), 0, 0, 0), null));
        }
        return null;
    }

    /**
     * Records a token of a simulated output in {@code transcript}: the generation ends (STOP) at a stop sequence or at
     * the output's natural end ({@code last}), and at max tokens (LENGTH); null: it goes on.
     */
    static FinishReason add(GenerationTranscript transcript, Token token, boolean last) {
        if (transcript.add(token.text(), token.logProb()) || last) {
            return FinishReason.STOP;
        }
        return transcript.full() ? FinishReason.LENGTH : null;
    }

    @Override
    public final synchronized int promptTokens() {
        return prompt.tokens();
    }

    @Override
    public final void close() {
        cancel();
    }
}
