package dev.moaflink.engine.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * The baseline the engine is measured against: the same model and forward code driven by a plain loop (greedy
 * argmax on the logits, no scheduler, tokenizer, streaming or sessions), the way a libtorch script would run
 * it. Used by the {@code engine} benchmark.
 *
 * <p>Like the engine's scheduler, the loop runs on a thread of its own: libtorch's OpenMP pool belongs to the
 * thread that initialised it (here usually the JVM's main thread), and with two cores and another busy process
 * its spinning workers made the same loop ~20× slower there than on a fresh thread.
 */
public final class RawLoop implements AutoCloseable {

    private final NDManager manager;
    private final LlamaModel model;

    public RawLoop(Path dir) {
        this(dir, true);
    }

    /** @param scripted the forward pass as one TorchScript call (the engine's default) or through NDArray */
    public RawLoop(Path dir, boolean scripted) {
        TorchThreads.configure();
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.model = LlamaModel.load(dir, manager, scripted);
    }

    public HfConfig config() {
        return model.config();
    }

    /**
     * Prefills {@code batch} copies of a prompt of {@code promptTokens} token ids, then decodes {@code tokens}
     * steps for all of them together; returns decode tokens per second (all sequences counted).
     */
    public double decodeTokensPerSecond(int batch, int promptTokens, int tokens) {
        return onOwnThread(() -> decodeLoop(batch, promptTokens, tokens));
    }

    private double decodeLoop(int batch, int promptTokens, int tokens) {
        int vocab = model.config().vocabSize();
        int[] next = new int[batch];
        try (DecodeBatch rows = new DecodeBatch(manager, model.config())) {
            for (int b = 0; b < batch; b++) {
                try (KvCache cache = new KvCache(manager, model.config().layers());
                     NDManager step = manager.newSubManager()) {
                    float[] logits = model.prefill(step, prompt(promptTokens, b), cache, ScriptedForward.Logits.LAST)
                            .toFloatArray();
                    next[b] = Sampler.argMax(logits, 0, vocab);
                    rows.add(cache);
                }
            }
            long t0 = System.nanoTime();
            for (int t = 0; t < tokens; t++) {
                try (NDManager step = manager.newSubManager()) {
                    float[] logits = model.decode(step, next, rows).logSoftmax(-1).toFloatArray();
                    for (int b = 0; b < batch; b++) {
                        next[b] = Sampler.argMax(logits, b * vocab, vocab);
                    }
                }
            }
            return (double) batch * tokens / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** Prefill tokens per second for one prompt of {@code promptTokens} ids. */
    public double prefillTokensPerSecond(int promptTokens, int repeats) {
        return onOwnThread(() -> prefillLoop(promptTokens, repeats));
    }

    private double prefillLoop(int promptTokens, int repeats) {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            try (KvCache cache = new KvCache(manager, model.config().layers()); NDManager step = manager.newSubManager()) {
                long t0 = System.nanoTime();
                model.prefill(step, prompt(promptTokens, r), cache, ScriptedForward.Logits.LAST).toFloatArray();
                best = Math.min(best, System.nanoTime() - t0);
            }
        }
        return promptTokens / (best / 1e9);
    }

    /**
     * Milliseconds (best of {@code repeats}) to prefill {@code piece} more tokens after a {@code promptTokens} prompt:
     * an appended piece of prompt, where the per-forward fixed cost dominates.
     */
    public double pieceMs(int promptTokens, int piece, int repeats) {
        return onOwnThread(() -> {
            long best = Long.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                try (KvCache cache = new KvCache(manager, model.config().layers());
                     NDManager step = manager.newSubManager()) {
                    model.prefill(step, prompt(promptTokens, r), cache, ScriptedForward.Logits.NONE);
                    long t0 = System.nanoTime();
                    model.prefill(step, prompt(piece, r + 1), cache, ScriptedForward.Logits.LAST).toFloatArray();
                    best = Math.min(best, System.nanoTime() - t0);
                }
            }
            return best / 1e6;
        });
    }

    private static double onOwnThread(java.util.function.DoubleSupplier work) {
        double[] out = new double[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread t = new Thread(() -> {
            try {
                out[0] = work.getAsDouble();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "raw-loop");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return out[0];
    }

    private int[] prompt(int n, int salt) {
        int[] ids = new int[n];
        int vocab = model.config().vocabSize();
        for (int i = 0; i < n; i++) {
            ids[i] = 5 + (int) ((i * 31L + salt * 7L) % (vocab - 5));
        }
        return ids;
    }


    @Override
    public void close() {
        model.close();
        manager.close();
    }
}
