package dev.moaflink.embed.minilm;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.TextEmbedder;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * all-MiniLM-L6-v2 (quantized) through langchain4j's in-process ONNX model: mean pooling, then L2
 * normalisation (done by langchain4j), so vectors are unit length. The bundled tokenizer truncates to 128 tokens,
 * so only a text's first 126 word pieces count.
 */
final class MiniLmEmbedder implements TextEmbedder {

    static final String NAME = "minilm";

    private static final Logger LOG = LoggerFactory.getLogger(MiniLmEmbedder.class);

    /*
     * langchain4j keeps one ONNX session and tokenizer per JVM (a static field) and does not document them as
     * safe for concurrent callers, so every instance takes this one lock. ONNX Runtime already spreads one call
     * over the CPU cores, so little throughput is lost.
     */
    private static final Object MODEL_LOCK = new Object();

    private final EmbeddingModel model;
    private final int dimension;

    private MiniLmEmbedder(EmbeddingModel model) {
        this.model = model;
        this.dimension = model.dimension();
    }

    static MiniLmEmbedder load() {
        long start = System.nanoTime();
        // The model class reads its ONNX file and tokenizer through the context class loader when first used;
        // pin it to ours so loading works whatever thread (e.g. a Flink task thread) gets here first.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(MiniLmEmbedder.class.getClassLoader());
        try {
            // A direct executor: we embed one text per call, so langchain4j's thread pool would only be overhead.
            MiniLmEmbedder embedder = new MiniLmEmbedder(new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run));
            LOG.info("Loaded sentence embedder '{}' (all-MiniLM-L6-v2 quantized, {}-d) in {} ms",
                    NAME, embedder.dimension, (System.nanoTime() - start) / 1_000_000);
            return embedder;
        } catch (RuntimeException | LinkageError e) {
            throw new EngineException("cannot load sentence embedder '" + NAME + "': " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public float[] embed(String text) {
        Objects.requireNonNull(text, "text");
        if (!hasContent(text)) {
            return new float[dimension];
        }
        synchronized (MODEL_LOCK) {
            return model.embed(text).content().vector();
        }
    }

    /*
     * False when the BERT normaliser would leave nothing (only whitespace, control, format such as zero-width
     * space, or combining characters): langchain4j rejects such text, and it has no meaning to embed.
     */
    static boolean hasContent(String text) {
        return text.codePoints().anyMatch(cp -> !Character.isWhitespace(cp) && !Character.isSpaceChar(cp)
                && cp != 0xFFFD && switch (Character.getType(cp)) {
                    case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                            Character.SURROGATE, Character.NON_SPACING_MARK -> false;
                    default -> true;
                });
    }
}
