package dev.moaflink.job.agent;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.job.model.AgentCall;
import java.util.concurrent.ScheduledFuture;

/**
 * One attempt at running a call: its session, its timer (the timeout, or the backoff before it starts) and what it has
 * streamed downstream so far. Touched on the task thread only.
 */
final class CallAttempt {

    private final AgentCall.Run call;
    private final ServedModel model;
    private final int number;
    private long startedAtMs;
    private EngineSession session;
    private boolean openedAhead;
    private ScheduledFuture<?> timer;
    private boolean finished;
    private int seq;
    private int emittedChars;

    /** @param model null when the operator serves no engine for the call's model */
    CallAttempt(AgentCall.Run call, ServedModel model, long startedAtMs) {
        this(call, model, startedAtMs, 1);
    }

    private CallAttempt(AgentCall.Run call, ServedModel model, long startedAtMs, int number) {
        this.call = call;
        this.model = model;
        this.startedAtMs = startedAtMs;
        this.number = number;
    }

    /** The attempt after this one failed: a fresh session, the same start. */
    CallAttempt retry() {
        return new CallAttempt(call, model, startedAtMs, number + 1);
    }

    AgentCall.Run call() {
        return call;
    }

    ServedModel model() {
        return model;
    }

    int number() {
        return number;
    }

    long startedAtMs() {
        return startedAtMs;
    }

    EngineSession session() {
        return session;
    }

    boolean openedAhead() {
        return openedAhead;
    }

    /** Runs on {@code session}; one opened ahead started when it was opened. */
    void runOn(EngineSession session, long openedAtMs) {
        this.session = session;
        this.openedAhead = true;
        this.startedAtMs = openedAtMs;
    }

    void runOn(EngineSession session) {
        this.session = session;
    }

    void timer(ScheduledFuture<?> timer) {
        this.timer = timer;
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Marks the attempt over, so that a late completion or timer of it is ignored; false if it was already. */
    boolean end() {
        boolean was = finished;
        finished = true;
        return !was;
    }

    boolean ended() {
        return finished;
    }

    /** The sequence number of the next chunk emitted. */
    int nextSeq() {
        return seq++;
    }

    /** Whether nothing has been emitted yet (the next chunk is the node's first). */
    boolean nothingEmitted() {
        return seq == 0;
    }

    void emitted(String text) {
        emittedChars += text.length();
    }

    /** Whether output has gone downstream: then a retry would send a second version of it. */
    boolean streamed() {
        return emittedChars > 0;
    }

    /** The part of {@code text} not streamed yet. */
    String unsent(String text) {
        return text.length() > emittedChars ? text.substring(emittedChars) : "";
    }

    /** Closes the session (an attempt that never opened one has nothing to close). */
    void closeSession() {
        if (session != null) {
            session.close();
        }
    }
}
