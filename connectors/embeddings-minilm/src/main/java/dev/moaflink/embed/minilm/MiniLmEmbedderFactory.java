package dev.moaflink.embed.minilm;

import dev.moaflink.engine.EmbedderFactory;
import dev.moaflink.engine.TextEmbedder;

/** Sentence embedder {@code minilm}: all-MiniLM-L6-v2 (quantized), 384-d, bundled in the jar, runs offline. */
public final class MiniLmEmbedderFactory implements EmbedderFactory {

    @Override
    public String name() {
        return MiniLmEmbedder.NAME;
    }

    @Override
    public TextEmbedder create() {
        return MiniLmEmbedder.load();
    }
}
