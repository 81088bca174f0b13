package dev.moaflink.engine.simulation;

import dev.moaflink.engine.SessionRequest;

/**
 * What a simulated engine ({@link dev.moaflink.engine.EngineInfo#simulated()}) offers beside
 * {@link dev.moaflink.engine.LlmEngine}: sessions that know the query's right answer, so that the model's
 * profiled accuracy can make them right or wrong, and that take the caller's clock when the engine runs in virtual
 * time. Real engines neither see nor implement it; only the job's simulation seam calls it.
 */
public interface Simulator {

    /**
     * Opens a session as {@link dev.moaflink.engine.LlmEngine#open} does.
     *
     * @param gold the query's known correct answer, or null when there is none (then nothing can be scored)
     */
    SimulatedSession open(SessionRequest request, String gold);
}
