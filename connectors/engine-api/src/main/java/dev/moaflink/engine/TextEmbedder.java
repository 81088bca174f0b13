package dev.moaflink.engine;

/**
 * A sentence-embedding model: text in, a unit-length vector out (cosine similarity = dot product). Shared per
 * JVM through {@link Embedders}; implementations must be thread-safe.
 */
public interface TextEmbedder {

    /** The backend name, e.g. {@code minilm}. */
    String name();

    /** Length of every vector {@link #embed} returns. */
    int dimension();

    /**
     * Embeds one text (long texts are truncated to the model's window).
     *
     * @return a vector of {@link #dimension()} floats with L2 norm 1 (all zeros for blank text)
     */
    float[] embed(String text);

    /** Cosine similarity of two unit vectors, in [-1, 1]. */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of different lengths: " + a.length + " and " + b.length);
        }
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return Math.max(-1, Math.min(1, dot));
    }
}
