package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights folded for the TorchScript forward pass ({@code script/llama_graph.py}): norm scales multiplied
 * into the matrices after them, 1/sqrt(head_dim) into the queries, rotate_half into the projection, so that the graph
 * does fewer operations per step.
 */
final class GraphWeights {

    private final NDManager manager;
    private final HfConfig cfg;
    /** 1/sqrt(head_dim). */
    private final float scale;

    GraphWeights(NDManager manager, HfConfig cfg, float scale) {
        this.manager = manager;
        this.cfg = cfg;
        this.scale = scale;
    }

    /**
     * The weights in the order and folded form llama_graph.py expects: each RMSNorm scale multiplied into the rows of
     * the matrix that follows it, 1/sqrt(head_dim) into the query columns, and the q|k columns repeated rotated
     * (rotate_half as a signed column permutation). A missing q/k/v bias is an empty tensor. The unfolded matrices
     * are freed: this model then runs only through the graph.
     */
    List<NDArray> fold(NDArray embed, NDArray lmHeadT, NDArray finalNorm, NDArray cos, NDArray sin,
                       LlamaModel.Layer[] layers) {
        int h = cfg.hiddenSize();
        int d = cfg.headDim();
        int qkHeads = cfg.heads() + cfg.kvHeads();
        int qCols = cfg.heads() * d;
        List<NDArray> list = new ArrayList<>();
        list.add(embed);
        list.add(replace(lmHeadT, scaleRows(lmHeadT, finalNorm.toFloatArray())));
        list.add(cos);
        list.add(sin);
        NDArray none = manager.create(new float[0]);
        for (LlamaModel.Layer layer : layers) {
            float[] attnNorm = layer.attnNorm().toFloatArray();
            list.add(replace(layer.qkvT(), foldQkv(layer.qkvT(), attnNorm, h, qkHeads, d, qCols)));
            list.add(layer.qkvBias() == null ? none : foldQkv(layer.qkvBias(), null, 1, qkHeads, d, qCols));
            list.add(layer.oT());
            list.add(replace(layer.gateUpT(), scaleRows(layer.gateUpT(), layer.mlpNorm().toFloatArray())));
            list.add(layer.downT());
        }
        return list;
    }

    private static NDArray replace(NDArray old, NDArray fresh) {
        old.close();
        return fresh;
    }

    /** {@code diag(rowScale) · m} for an {@code [R, C]} matrix. */
    private NDArray scaleRows(NDArray m, float[] rowScale) {
        long[] shape = m.getShape().getShape();
        float[] a = m.toFloatArray();
        int cols = (int) shape[1];
        for (int r = 0; r < shape[0]; r++) {
            for (int c = 0; c < cols; c++) {
                a[r * cols + c] *= rowScale[r];
            }
        }
        return manager.create(a, new Shape(shape));
    }

    /**
     * {@code [R, (q|k|v)]} → {@code [R, q·s | k | v | rot(q·s) | rot(k)]} with s = 1/sqrt(head_dim), each row scaled
     * by {@code rowScale[r]} (when given); rot is HF's rotate_half per head: {@code [-x2, x1]}.
     */
    private NDArray foldQkv(NDArray m, float[] rowScale, int rows, int qkHeads, int d, int qCols) {
        float[] a = m.toFloatArray();
        int cols = a.length / rows;
        int qkCols = qkHeads * d;
        int outCols = cols + qkCols;
        float[] out = new float[rows * outCols];
        for (int r = 0; r < rows; r++) {
            float rs = rowScale == null ? 1f : rowScale[r];
            for (int c = 0; c < cols; c++) {
                out[r * outCols + c] = a[r * cols + c] * (c < qCols ? scale : 1f) * rs;
            }
            for (int head = 0; head < qkHeads; head++) {
                for (int j = 0; j < d; j++) {
                    int src = head * d + (j < d / 2 ? j + d / 2 : j - d / 2);
                    float v = out[r * outCols + src];
                    out[r * outCols + cols + head * d + j] = j < d / 2 ? -v : v;
                }
            }
        }
        return manager.create(out, rows == 1 ? new Shape(outCols) : new Shape(rows, outCols));
    }
}
