package dev.moaflink.engine.simulation;

import dev.moaflink.engine.EngineSession;

/** A session of a {@link Simulator}. */
public interface SimulatedSession extends EngineSession {

    /**
     * Tells a virtual-time engine what the caller's clock reads (milliseconds, any origin, never decreasing) for the
     * calls that follow: the session's prefill starts at the first reading, each appended piece is prefilled no
     * earlier than the reading at its append, and {@link #generate} happens at the reading then, so that
     * {@link dev.moaflink.engine.PhaseTimings#prefillExposedMs()} is the prefill left after it. Without any reading
     * every call happens at 0. Simulated engines in real time ignore it: for them the calls happen when they are made.
     */
    void at(double clockMs);
}
