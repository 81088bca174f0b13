package dev.moaflink.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** One embedder per name per JVM, loaded on first use and kept for the JVM's life (models are small). */
public final class Embedders {

    private static final Map<String, TextEmbedder> SHARED = new ConcurrentHashMap<>();

    private Embedders() {}

    /**
     * The shared embedder called {@code name}.
     *
     * @throws EngineException when no factory of that name is on the classpath (naming the ones that are)
     */
    public static TextEmbedder shared(String name) {
        return SHARED.computeIfAbsent(name, Embedders::load);
    }

    /** The names of the embedders on the classpath. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(EmbedderFactory.class).forEach(f -> names.add(f.name()));
        return names;
    }

    private static TextEmbedder load(String name) {
        for (EmbedderFactory f : ServiceLoader.load(EmbedderFactory.class)) {
            if (f.name().equals(name)) {
                return f.create();
            }
        }
        throw new EngineException("no sentence embedder named '" + name + "' on the classpath (available: "
                + available() + "); the 'minilm' one is in the moa-embeddings-minilm artifact");
    }
}
