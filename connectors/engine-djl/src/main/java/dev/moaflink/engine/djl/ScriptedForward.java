package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The forward pass as one call into libtorch: {@code llama_graph.pt}, a TorchScript module without weights
 * (written by {@code connectors/engine-djl/script/llama_graph.py}), run with the model's weights passed in as a
 * list. Through DJL's NDArray API every operation is a JNI round trip plus Java bookkeeping (~15 µs on the
 * benchmark machine), about 300 of them per forward of a five-layer model, which made a forward of a handful of
 * tokens cost as much as one of a hundred; here the operations run inside libtorch's interpreter.
 *
 * <p>Methods: {@code prefill} (one sequence, any number of new tokens after its cache, returns grown caches) and
 * {@code decode} (one token per row of a {@link DecodeBatch}, keys and values written in place into the batch's
 * column). Single-threaded like the model's caches. Inputs are {@link IValue}s, native objects closed after each
 * call; the weight list and the configuration are built once.
 */
final class ScriptedForward implements AutoCloseable {

    static final String RESOURCE = "llama_graph.pt";

    /** What {@link #prefill} returns besides the caches. */
    enum Logits { NONE, LAST, ALL }

    /**
     * Threads that have turned off libtorch's profiling graph executor (a thread-local setting): it re-specialises
     * the graph on the input shapes it sees, and here shapes change with nearly every call (prompt pieces, cache
     * lengths, batch rows); the plain interpreter measured faster on the decode step.
     */
    private static final ThreadLocal<Boolean> PLAIN_EXECUTOR = ThreadLocal.withInitial(() -> {
        JniUtils.setGraphExecutorOptimize(false);
        return true;
    });

    private final PtSymbolBlock module;
    private final IValue weights;
    private final IValue cfg;
    private final IValue eps;

    ScriptedForward(NDManager manager, HfConfig config, List<NDArray> weightList) {
        try (InputStream in = ScriptedForward.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath of " + ScriptedForward.class);
            }
            this.module = JniUtils.loadModule((PtNDManager) manager, in, true, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + RESOURCE + ": " + e.getMessage(), e);
        }
        JniUtils.enableInferenceMode(module);
        this.weights = IValue.listFrom(weightList.stream().map(a -> (PtNDArray) a).toArray(PtNDArray[]::new));
        this.cfg = IValue.listFrom(config.layers(), config.heads(), config.kvHeads(), config.headDim());
        this.eps = IValue.from(config.rmsNormEps());
    }

    /** Prefill result: logits (null for {@link Logits#NONE}) and every layer's grown keys and values. */
    record Prefill(NDArray logits, NDArray[] keys, NDArray[] values) {}

    Prefill prefill(NDManager step, int[] tokens, KvCache cache, Logits logits) {
        PLAIN_EXECUTOR.get();
        int layers = cache.layers();
        PtNDArray[] pastK = new PtNDArray[cache.length() == 0 ? 0 : layers];
        PtNDArray[] pastV = new PtNDArray[pastK.length];
        for (int l = 0; l < pastK.length; l++) {
            pastK[l] = (PtNDArray) cache.keys(l);
            pastV[l] = (PtNDArray) cache.values(l);
        }
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        IValue[] in = {
            IValue.from((PtNDArray) step.create(ids)), IValue.from((long) cache.length()), IValue.listFrom(pastK),
            IValue.listFrom(pastV), weights, cfg, eps, IValue.from((long) logits.ordinal())
        };
        IValue out = null;
        try {
            out = IValueUtils.runMethod(module, "prefill", in);
            IValue[] tuple = out.toIValueTuple();
            try {
                PtNDManager m = (PtNDManager) step;
                NDArray l = logits == Logits.NONE ? null : tuple[0].toTensor(m);
                return new Prefill(l, tuple[1].toTensorArray(m), tuple[2].toTensorArray(m));
            } finally {
                for (IValue v : tuple) {
                    v.close();
                }
            }
        } finally {
            closeInputs(in);
            if (out != null) {
                out.close();
            }
        }
    }

    /** Logits {@code [B, V]} of one token per row; the batch's step column is written in place. */
    NDArray decode(NDManager step, int[] tokens, int[] positions, NDArray[] keys, NDArray[] values, int end,
                   NDArray mask) {
        PLAIN_EXECUTOR.get();
        long[] ids = new long[tokens.length];
        long[] pos = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
            pos[i] = positions[i];
        }
        IValue[] in = {
            IValue.from((PtNDArray) step.create(ids)), IValue.from((PtNDArray) step.create(pos)),
            IValue.listFrom(ptArrays(keys)), IValue.listFrom(ptArrays(values)), IValue.from((long) end),
            IValue.from((PtNDArray) (mask == null ? step.create(new float[0]) : mask)), weights, cfg, eps
        };
        IValue out = null;
        try {
            out = IValueUtils.runMethod(module, "decode", in);
            return out.toTensor((PtNDManager) step);
        } finally {
            closeInputs(in);
            if (out != null) {
                out.close();
            }
        }
    }

    private void closeInputs(IValue[] in) {
        for (IValue v : in) {
            if (v != weights && v != cfg && v != eps) {
                v.close();
            }
        }
    }

    private static PtNDArray[] ptArrays(NDArray[] a) {
        PtNDArray[] p = new PtNDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            p[i] = (PtNDArray) a[i];
        }
        return p;
    }

    @Override
    public void close() {
        weights.close();
        cfg.close();
        eps.close();
        module.close();
    }
}
