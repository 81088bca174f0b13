package dev.moaflink.job.agent;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.job.model.AgentCall;

/**
 * The clock an agent operator's calls are timed in, and how a run's prompt reaches a fresh session in it. Chosen
 * once, when the operator opens, from its engines' {@link dev.moaflink.engine.EngineInfo}: the wall clock
 * ({@link WallClock}), or a simulated engine's virtual clock.
 */
public interface CallClock {

    /** Whether node traces are in virtual time (modelled durations that did not elapse). */
    boolean virtualTime();

    /** Opens a fresh session for {@code run} on {@code model} and gives it the whole prompt. */
    EngineSession openForRun(ServedModel model, AgentCall.Run run);

    /**
     * The phases of a run as its trace records them.
     *
     * @param openedAhead the run reused a session opened before its inputs finished (prefill/decode overlap)
     */
    PhaseTimings runTimings(PhaseTimings engine, boolean openedAhead);

    /** When a node that started at {@code startedAtMs} (wall clock) started, relative to its query's submission. */
    double startOffsetMs(AgentCall.Run run, long startedAtMs);

    /** When a node that was busy {@code busyMs} after its inputs were ready ended, relative to submission. */
    double endOffsetMs(AgentCall.Run run, double busyMs);

    /** When a node that needs no engine (bypassed) ended, relative to submission. */
    double settledOffsetMs(AgentCall.Run run);
}
