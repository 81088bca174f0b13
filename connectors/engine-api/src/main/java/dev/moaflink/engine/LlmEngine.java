package dev.moaflink.engine;

/**
 * One loaded model that serves many concurrent {@link EngineSession}s. Implementations are thread-safe,
 * batch concurrent sessions where they can, and bound their memory (KV budget). Obtain engines through
 * {@link EngineRegistry} so that one copy of a model serves every operator of a JVM.
 */
public interface LlmEngine extends AutoCloseable {

    /** The model this engine serves, as named in the job configuration. */
    String model();

    /** Static facts callers need to interpret timings and results. */
    EngineInfo info();

    /**
     * Opens a session and starts prefilling {@code request.promptPrefix()} at once. Never blocks on
     * inference: admission, prefill and decode happen on the engine's own threads.
     *
     * @throws EngineException if the request can never be served (e.g. a prompt larger than the KV budget)
     */
    EngineSession open(SessionRequest request);

    /**
     * The engine's load now, read by metric reporters from any thread; null when the engine does not track it
     * (then no load gauges are registered for it).
     */
    default EngineLoad load() {
        return null;
    }

    /** Releases the model. Called by the registry when the last lease is released. */
    @Override
    void close();
}
