package dev.moaflink.embed.minilm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.moaflink.engine.Embedders;
import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.TextEmbedder;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class MiniLmEmbedderTest {

    private static final String CAT = "The cat sat on the mat.";
    private static final String CAT_PARAPHRASE = "A cat was sitting on the mat.";
    private static final String STOCKS = "Stock prices fell sharply on Monday.";

    private static TextEmbedder embedder;
    /** The model's own tokenizer without its 128-token truncation, to size test texts in word pieces. */
    private static HuggingFaceTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        embedder = Embedders.shared("minilm");
        try (InputStream json = MiniLmEmbedder.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
            tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"));
        }
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    @Test
    void foundByNameThroughServiceLoaderAndShared() {
        assertTrue(embedder instanceof MiniLmEmbedder, embedder.getClass().getName());
        assertEquals("minilm", embedder.name());
        assertSame(embedder, Embedders.shared("minilm"));
        assertTrue(Embedders.available().contains("minilm"), Embedders.available().toString());
    }

    @Test
    void unknownNameIsRejectedNamingTheAvailableOnes() {
        EngineException e = assertThrows(EngineException.class, () -> Embedders.shared("no-such-embedder"));
        assertTrue(e.getMessage().contains("'no-such-embedder'"), e.getMessage());
        assertTrue(e.getMessage().contains("available: [minilm]"), e.getMessage());
    }

    @Test
    void vectorsAre384dAndUnitLength() {
        assertEquals(384, embedder.dimension());
        for (String text : List.of(CAT, STOCKS, "x", longText(600))) {
            float[] v = embedder.embed(text);
            assertEquals(384, v.length);
            assertEquals(1.0, norm(v), 1e-4, text);
        }
    }

    @Test
    void paraphrasesAreCloserThanUnrelatedTexts() {
        float[] cat = embedder.embed(CAT);
        double paraphrase = TextEmbedder.cosine(cat, embedder.embed(CAT_PARAPHRASE));
        double unrelated = TextEmbedder.cosine(cat, embedder.embed(STOCKS));
        System.out.printf("minilm cosine: paraphrase %.3f, unrelated %.3f%n", paraphrase, unrelated);
        assertTrue(paraphrase > 0.7, "paraphrase cosine " + paraphrase);
        assertTrue(unrelated < 0.3, "unrelated cosine " + unrelated);
        assertTrue(paraphrase - unrelated > 0.5, paraphrase + " vs " + unrelated);
    }

    @Test
    void identicalTextsHaveCosineOne() {
        float[] a = embedder.embed(STOCKS);
        float[] b = embedder.embed(STOCKS);
        assertEquals(1.0, TextEmbedder.cosine(a, b), 1e-5);
    }

    @Test
    void blankTextGivesZeros() {
        for (String blank : List.of("", "   ", "\n\t ")) {
            assertArrayEquals(new float[384], embedder.embed(blank), "'" + blank + "'");
        }
    }

    @Test
    void textWithNothingToTokenizeGivesZeros() {
        for (String empty : List.of("\u200b", "\u0000", "\u00ad\ufeff", "\u0301", "\u2028 \u200b")) {
            assertArrayEquals(new float[384], embedder.embed(empty), empty.codePoints().boxed().toList().toString());
        }
        assertEquals(1.0, norm(embedder.embed("\u200bcat\u200b")), 1e-4);
    }

    @Test
    void textPastTheTokenWindowIsIgnored() {
        String window = longText(130);
        float[] truncated = embedder.embed(window);
        float[] withTail = embedder.embed(window + " " + STOCKS.repeat(20));
        assertEquals(1.0, TextEmbedder.cosine(truncated, withTail), 1e-5);
    }

    @Test
    void concurrentCallersGetTheSameVectorsAsOneCaller() throws Exception {
        List<String> texts = List.of(CAT, CAT_PARAPHRASE, STOCKS, longText(200));
        List<float[]> expected = new ArrayList<>();
        texts.forEach(t -> expected.add(embedder.embed(t)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String text = texts.get(i % texts.size());
                futures.add(pool.submit(() -> embedder.embed(text)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals(expected.get(i % texts.size()), futures.get(i).get(), 1e-6f);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The time is printed, not asserted (it depends on the machine); repeated calls must agree. */
    @Test
    void meanTimeToEmbedA200TokenText() {
        String text = longText(200);
        float[] first = embedder.embed(text);
        for (int i = 0; i < 5; i++) {
            embedder.embed(text);
        }
        int calls = 20;
        float[][] vectors = new float[calls][];
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            vectors[i] = embedder.embed(text);
        }
        double meanMs = (System.nanoTime() - start) / 1e6 / calls;
        System.out.printf("minilm: mean %.2f ms to embed a %d-token text, of which 126 count (%d calls after warm-up,"
                + " %d CPUs)%n", meanMs, wordPieces(text), calls, Runtime.getRuntime().availableProcessors());
        for (float[] v : vectors) {
            assertArrayEquals(first, v);
        }
    }

    /** Ordinary English of at least {@code tokens} word pieces. */
    private static String longText(int tokens) {
        String[] sentences = {
            "The committee met on Tuesday to review the budget for the new library and the park.",
            "Several residents asked whether the opening hours would be extended during the winter.",
            "An engineer explained that the heating system needed repairs before the first snowfall.",
            "The mayor promised a decision after the public consultation closes next month.",
        };
        StringBuilder text = new StringBuilder();
        for (int i = 0; wordPieces(text.toString()) < tokens; i++) {
            text.append(i == 0 ? "" : " ").append(sentences[i % sentences.length]);
        }
        return text.toString();
    }

    /** Tokens of {@code text}, without [CLS] and [SEP]. */
    private static int wordPieces(String text) {
        return tokenizer.encode(text, false, false).getIds().length;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
