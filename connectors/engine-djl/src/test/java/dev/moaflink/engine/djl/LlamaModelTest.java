package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The forward pass against the PyTorch reference the models are trained with: logits within 1e-3 and identical
 * greedy tokens, for llama (f32, untied head), llama with f16 weights and qwen2 (bf16, q/k/v bias, tied).
 */
@Timeout(120)
class LlamaModelTest {

    private static NDManager manager;
    /** Model work runs off the JUnit main thread (see RawLoop: libtorch's OpenMP pool is slow there). */
    private static TorchWorker worker;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        worker = new TorchWorker();
    }

    @AfterAll
    static void stop() {
        worker.close();
        manager.close();
    }

    @ParameterizedTest
    @CsvSource({"tiny-llama, true", "tiny-llama, false", "tiny-llama-f16, true", "tiny-llama-f16, false", "tiny-qwen2, true", "tiny-qwen2, false"})
    void logitsMatchTheReferenceWithin1e3(String name, boolean scripted) throws Exception {
        worker.run(() -> {
            Fixture f = Fixture.load(name);
            try (LlamaModel model = LlamaModel.load(f.dir(), manager, scripted)) {
                for (Fixture.Prompt p : f.prompts()) {
                    try (NDManager step = manager.newSubManager(); KvCache cache = new KvCache(manager, model.config().layers())) {
                        NDArray logits = model.prefill(step, p.ids(), cache);
                        float[] last = logits.get(p.ids().length - 1).toFloatArray();
                        assertClose(p.lastLogits(), last, 1e-3, name + " '" + p.text() + "'");
                        if (p == f.prompts().get(0)) {
                            for (int t = 0; t < f.allLogits().length; t++) {
                                assertClose(f.allLogits()[t], logits.get(t).toFloatArray(), 1e-3, name + " position " + t);
                            }
                        }
                    }
                }
            }
        });
    }

    @ParameterizedTest
    @CsvSource({"tiny-llama, true", "tiny-llama, false", "tiny-llama-f16, true", "tiny-llama-f16, false", "tiny-qwen2, true", "tiny-qwen2, false"})
    void greedyTokensMatchTheReferenceFor64Tokens(String name, boolean scripted) throws Exception {
        worker.run(() -> {
            Fixture f = Fixture.load(name);
            try (LlamaModel model = LlamaModel.load(f.dir(), manager, scripted)) {
                for (Fixture.Prompt p : f.prompts()) {
                    assertArrayEquals(p.greedy(), greedy(model, p.ids(), p.greedy().length), name + " '" + p.text() + "'");
                }
            }
        });
    }

    @ParameterizedTest
    @CsvSource({"tiny-llama, true", "tiny-llama, false", "tiny-qwen2, true", "tiny-qwen2, false"})
    void batchedDecodeOfUnequalSequencesEqualsOneByOne(String name, boolean scripted) throws Exception {
        worker.run(() -> {
            Fixture f = Fixture.load(name);
            try (LlamaModel model = LlamaModel.load(f.dir(), manager, scripted)) {
                int n = f.prompts().size();
                int[] next = new int[n];
                int[][] out = new int[n][24];
                try (DecodeBatch batch = new DecodeBatch(manager, model.config())) {
                    for (int i = 0; i < n; i++) {
                        next[i] = prefillInto(model, batch, f.prompts().get(i).ids());
                    }
                    for (int t = 0; t < 24; t++) {
                        for (int i = 0; i < n; i++) {
                            out[i][t] = next[i];
                        }
                        try (NDManager step = manager.newSubManager()) {
                            float[] logits = model.decode(step, next, batch).toFloatArray();
                            for (int i = 0; i < n; i++) {
                                next[i] = Sampler.argMax(logits, i * model.config().vocabSize(), model.config().vocabSize());
                            }
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(Arrays.copyOf(f.prompts().get(i).greedy(), 24), out[i], "sequence " + i);
                }
            }
        });
    }

    /**
     * Sequences join a running decode batch at different lengths (shorter and longer than those in it) and leave
     * it in any order; every one still follows the reference's greedy path, and the batch's columns shrink back.
     */
    @ParameterizedTest
    @CsvSource({"tiny-llama, true", "tiny-llama, false", "tiny-qwen2, true", "tiny-qwen2, false"})
    void sequencesJoiningAndLeavingARunningBatchKeepTheirGreedyPath(String name, boolean scripted) throws Exception {
        worker.run(() -> {
            Fixture f = Fixture.load(name);
            try (LlamaModel model = LlamaModel.load(f.dir(), manager, scripted);
                 DecodeBatch batch = new DecodeBatch(manager, model.config())) {
                int vocab = model.config().vocabSize();
                int n = f.prompts().size();
                int[][] out = new int[n][];
                int[] produced = new int[n];
                int[] next = new int[n];
                java.util.List<Integer> rows = new java.util.ArrayList<>(); // prompt index per batch row
                int joined = 0;
                for (int t = 0; rows.size() > 0 || joined < n; t++) {
                    if (t % 5 == 0 && joined < n) { // one joins every 5 steps
                        next[joined] = prefillInto(model, batch, f.prompts().get(joined).ids());
                        out[joined] = new int[8 + 3 * joined];
                        rows.add(joined++);
                    }
                    int[] tokens = new int[rows.size()];
                    for (int r = 0; r < rows.size(); r++) {
                        int p = rows.get(r);
                        out[p][produced[p]++] = next[p];
                        tokens[r] = next[p];
                    }
                    try (NDManager step = manager.newSubManager()) {
                        float[] logits = model.decode(step, tokens, batch).toFloatArray();
                        for (int r = 0; r < rows.size(); r++) {
                            next[rows.get(r)] = Sampler.argMax(logits, r * vocab, vocab);
                        }
                    }
                    java.util.List<Integer> keep = new java.util.ArrayList<>();
                    for (int r = 0; r < rows.size(); r++) {
                        if (produced[rows.get(r)] < out[rows.get(r)].length) {
                            keep.add(r);
                        }
                    }
                    if (keep.size() < rows.size()) {
                        java.util.List<Integer> left = new java.util.ArrayList<>();
                        keep.forEach(r -> left.add(rows.get(r)));
                        batch.retain(keep.stream().mapToInt(Integer::intValue).toArray());
                        rows.clear();
                        rows.addAll(left);
                    }
                }
                assertEquals(0, batch.size());
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(Arrays.copyOf(f.prompts().get(i).greedy(), out[i].length), out[i], "sequence " + i);
                }
            }
        });
    }

    /**
     * A prompt prefilled in pieces (1, 2, then the rest of its tokens; earlier pieces asking for no logits) ends with
     * the same last-position logits as in one piece, and asking for the last row gives the last row of all rows.
     */
    @ParameterizedTest
    @CsvSource({"tiny-llama, true", "tiny-llama, false", "tiny-qwen2, true", "tiny-qwen2, false"})
    void prefillInPiecesEqualsOnePieceAndLastRowEqualsAllRows(String name, boolean scripted) throws Exception {
        worker.run(() -> {
            Fixture f = Fixture.load(name);
            try (LlamaModel model = LlamaModel.load(f.dir(), manager, scripted)) {
                for (Fixture.Prompt p : f.prompts()) {
                    int[] ids = p.ids();
                    if (ids.length < 4) {
                        continue;
                    }
                    try (NDManager step = manager.newSubManager();
                         KvCache pieces = new KvCache(manager, model.config().layers());
                         KvCache whole = new KvCache(manager, model.config().layers())) {
                        assertEquals(null, model.prefill(step, Arrays.copyOfRange(ids, 0, 1), pieces,
                                ScriptedForward.Logits.NONE));
                        model.prefill(step, Arrays.copyOfRange(ids, 1, 3), pieces, ScriptedForward.Logits.NONE);
                        float[] last = model.prefill(step, Arrays.copyOfRange(ids, 3, ids.length), pieces,
                                ScriptedForward.Logits.LAST).toFloatArray();
                        assertEquals(ids.length, pieces.length());
                        assertClose(p.lastLogits(), last, 1e-3, name + " pieces '" + p.text() + "'");
                        float[] lastOnly = model.prefill(step, ids, whole, ScriptedForward.Logits.LAST).toFloatArray();
                        whole.truncate(0);
                        NDArray all = model.prefill(step, ids, whole, ScriptedForward.Logits.ALL);
                        assertClose(all.get(ids.length - 1).toFloatArray(), lastOnly, 1e-5, name + " last row");
                    }
                }
            }
        });
    }

    /** Prefills a prompt into a fresh cache, adds it as a row of the batch, returns the first greedy token. */
    static int prefillInto(LlamaModel model, DecodeBatch batch, int[] ids) {
        try (KvCache cache = new KvCache(manager, model.config().layers()); NDManager step = manager.newSubManager()) {
            int first = Sampler.argMax(model.prefill(step, ids, cache).get(ids.length - 1).toFloatArray(), 0,
                    model.config().vocabSize());
            batch.add(cache);
            return first;
        }
    }

    /** Prefill, then one decode per token: what a plain libtorch loop does. */
    static int[] greedy(LlamaModel model, int[] prompt, int n) {
        int vocab = model.config().vocabSize();
        int[] out = new int[n];
        try (KvCache cache = new KvCache(manager, model.config().layers());
             DecodeBatch batch = new DecodeBatch(manager, model.config())) {
            int next;
            try (NDManager step = manager.newSubManager()) {
                next = Sampler.argMax(model.prefill(step, prompt, cache).get(prompt.length - 1).toFloatArray(), 0, vocab);
            }
            batch.add(cache);
            for (int t = 0; t < n; t++) {
                out[t] = next;
                try (NDManager step = manager.newSubManager()) {
                    next = Sampler.argMax(model.decode(step, new int[] {next}, batch).toFloatArray(), 0, vocab);
                }
            }
        }
        return out;
    }


    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tolerance, what + ": max |Δ| = " + worst);
    }
}
