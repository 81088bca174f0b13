package dev.moaflink.engine;

/**
 * Creates sentence embedders of one backend. Implementations are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.moaflink.engine.EmbedderFactory}).
 */
public interface EmbedderFactory {

    /** The name a job configures, e.g. {@code minilm}. */
    String name();

    /** Loads the model; called once per JVM per name by {@link Embedders}. */
    TextEmbedder create();
}
