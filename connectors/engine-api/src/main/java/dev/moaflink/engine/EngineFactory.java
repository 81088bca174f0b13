package dev.moaflink.engine;

/**
 * Creates engines of one backend. Implementations are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.moaflink.engine.EngineFactory}).
 */
public interface EngineFactory {

    /** The name used in {@link EngineSpec#backend()}, e.g. {@code sim}. */
    String backend();

    /**
     * Checks a spec without loading anything heavy, so that a job fails at submission with a clear message.
     *
     * @throws IllegalArgumentException naming the bad option
     */
    void validate(EngineSpec spec);

    /**
     * What an engine of this spec will be ({@link LlmEngine#info()} of the engine {@link #create} makes), without
     * loading it: the job decides from it, when it builds its graph, in which clock its agents run.
     *
     * @throws IllegalArgumentException naming the bad option
     */
    EngineInfo describe(EngineSpec spec);

    /** Loads the model. May be slow (weights); called once per JVM per spec by the registry. */
    LlmEngine create(EngineSpec spec);
}
