package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Llama-family decoder (llama, qwen2) as libtorch operations through DJL's NDArray API, float32 on CPU or
 * CUDA. Weights are loaded from Hugging Face {@code *.safetensors}; projections are stored transposed and fused
 * (q|k|v in one matrix, gate|up in another) so that a layer is a handful of kernel calls.
 *
 * <p>Two entry points: {@link #prefill} runs any number of new tokens of one sequence (causal attention over
 * its {@link KvCache}), {@link #decode} runs one new token for each row of a {@link DecodeBatch} in one batched
 * forward. Every intermediate array is created under the caller's step manager, which the caller closes; only
 * cache tensors move to the sequence's cache or the batch.
 */
public final class LlamaModel implements AutoCloseable {

    private final HfConfig cfg;
    private final NDManager manager;
    private final NDArray embed;        // [V, H]
    private final NDArray lmHeadT;      // [H, V]
    private final NDArray finalNorm;    // [H]
    private final Layer[] layers;
    private final NDArray cos;          // [maxPos, D]
    private final NDArray sin;
    private final float scale;
    /** The forward pass as one TorchScript call, or null to run it operation by operation through NDArray. */
    private final ScriptedForward scripted;

    /** One decoder layer's weights, projections transposed and fused. */
    record Layer(NDArray attnNorm, NDArray qkvT, NDArray qkvBias, NDArray oT, NDArray mlpNorm, NDArray gateUpT,
                 NDArray downT) {}

    private LlamaModel(HfConfig cfg, NDManager manager, Map<String, NDArray> w, boolean script) {
        this.cfg = cfg;
        this.manager = manager;
        this.embed = take(w, "model.embed_tokens.weight", cfg.vocabSize(), cfg.hiddenSize());
        NDArray head = cfg.tiedEmbeddings() ? embed : take(w, "lm_head.weight", cfg.vocabSize(), cfg.hiddenSize());
        this.lmHeadT = head.transpose().duplicate();
        if (!cfg.tiedEmbeddings()) {
            head.close();
        }
        this.finalNorm = take(w, "model.norm.weight", cfg.hiddenSize());
        int h = cfg.hiddenSize();
        int qDim = cfg.heads() * cfg.headDim();
        int kvDim = cfg.kvHeads() * cfg.headDim();
        this.layers = new Layer[cfg.layers()];
        for (int i = 0; i < cfg.layers(); i++) {
            String p = "model.layers." + i + ".";
            NDArray q = take(w, p + "self_attn.q_proj.weight", qDim, h);
            NDArray k = take(w, p + "self_attn.k_proj.weight", kvDim, h);
            NDArray v = take(w, p + "self_attn.v_proj.weight", kvDim, h);
            NDArray qkvT = NDArrays.concat(new NDList(q, k, v), 0).transpose().duplicate();
            NDArray bias = null;
            if (cfg.qkvBias()) {
                NDArray bq = take(w, p + "self_attn.q_proj.bias", qDim);
                NDArray bk = take(w, p + "self_attn.k_proj.bias", kvDim);
                NDArray bv = take(w, p + "self_attn.v_proj.bias", kvDim);
                bias = NDArrays.concat(new NDList(bq, bk, bv), 0);
                Stream.of(bq, bk, bv).forEach(NDArray::close);
            }
            NDArray o = take(w, p + "self_attn.o_proj.weight", h, qDim);
            NDArray gate = take(w, p + "mlp.gate_proj.weight", cfg.intermediateSize(), h);
            NDArray up = take(w, p + "mlp.up_proj.weight", cfg.intermediateSize(), h);
            NDArray down = take(w, p + "mlp.down_proj.weight", h, cfg.intermediateSize());
            layers[i] = new Layer(take(w, p + "input_layernorm.weight", h), qkvT, bias, o.transpose().duplicate(),
                    take(w, p + "post_attention_layernorm.weight", h),
                    NDArrays.concat(new NDList(gate, up), 0).transpose().duplicate(), down.transpose().duplicate());
            Stream.of(q, k, v, o, gate, up, down).forEach(NDArray::close);
        }
        if (!w.isEmpty()) {
            throw new IllegalArgumentException("unexpected tensors in the checkpoint: " + w.keySet());
        }
        // Rotary tables as HF computes them: inv_freq in float32, angles = position * inv_freq.
        int d = cfg.headDim();
        float[] invFreq = new float[d / 2];
        for (int i = 0; i < d / 2; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(cfg.ropeTheta(), (float) (2 * i) / d));
        }
        int maxPos = cfg.maxPositions();
        float[] c = new float[maxPos * d];
        float[] s = new float[maxPos * d];
        for (int pos = 0; pos < maxPos; pos++) {
            for (int i = 0; i < d / 2; i++) {
                float angle = (float) pos * invFreq[i];
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[pos * d + i] = cv;
                c[pos * d + i + d / 2] = cv;
                s[pos * d + i] = sv;
                s[pos * d + i + d / 2] = sv;
            }
        }
        this.cos = manager.create(c, new Shape(maxPos, d));
        this.sin = manager.create(s, new Shape(maxPos, d));
        this.scale = (float) (1.0 / Math.sqrt(d));
        this.scripted = script ? new ScriptedForward(manager, cfg,
                new GraphWeights(manager, cfg, scale).fold(embed, lmHeadT, finalNorm, cos, sin, layers)) : null;
    }

    /**
     * Loads {@code config.json} and every {@code *.safetensors} file of a Hugging Face model directory; the forward
     * pass runs as one TorchScript call ({@link ScriptedForward}).
     */
    public static LlamaModel load(Path dir, NDManager parent) {
        return load(dir, parent, true);
    }

    /**
     * @param script true: the forward pass as one TorchScript call; false: operation by operation through DJL's
     *               NDArray API (the reference the scripted graph is tested against)
     */
    public static LlamaModel load(Path dir, NDManager parent, boolean script) {
        HfConfig cfg = HfConfig.read(dir.resolve("config.json"));
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> weights = new HashMap<>();
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(dir + " has no *.safetensors weights");
            }
            for (Path f : files) {
                try (FileChannel ch = SafeTensors.open(f)) {
                    for (SafeTensors.Entry e : SafeTensors.header(ch, f).values()) {
                        if (e.name().endsWith("rotary_emb.inv_freq")) {
                            continue; // recomputed from rope_theta
                        }
                        float[] data = SafeTensors.read(ch, e, f);
                        weights.put(e.name(), manager.create(data, new Shape(e.shape())));
                    }
                }
            }
            if (cfg.tiedEmbeddings()) {
                NDArray untied = weights.remove("lm_head.weight");
                if (untied != null) {
                    untied.close();
                }
            }
            return new LlamaModel(cfg, manager, weights, script);
        } catch (IOException e) {
            manager.close();
            throw new UncheckedIOException("cannot load weights from " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public HfConfig config() {
        return cfg;
    }

    /**
     * Runs {@code tokens} of one sequence after what its cache holds; returns the logits of every new position,
     * {@code [T, V]}.
     */
    public NDArray prefill(NDManager step, int[] tokens, KvCache cache) {
        return prefill(step, tokens, cache, ScriptedForward.Logits.ALL);
    }

    /**
     * Runs {@code tokens} of one sequence after what its cache holds; returns the logits the caller wants: none
     * (null; a prompt piece that is not the last), the last position's {@code [V]}, or every new position's
     * {@code [T, V]}.
     */
    NDArray prefill(NDManager step, int[] tokens, KvCache cache, ScriptedForward.Logits want) {
        int t = tokens.length;
        int past = cache.length();
        if (t == 0) {
            throw new IllegalArgumentException("prefill of no tokens");
        }
        if (past + t > cfg.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + (past + t) + " tokens exceeds max_position_embeddings "
                    + cfg.maxPositions());
        }
        if (scripted != null) {
            ScriptedForward.Prefill r = scripted.prefill(step, tokens, cache, want);
            for (int l = 0; l < layers.length; l++) {
                cache.set(l, r.keys()[l], r.values()[l]);
            }
            cache.setLength(past + t);
            return r.logits();
        }
        int d = cfg.headDim();
        int nh = cfg.heads();
        int nkv = cfg.kvHeads();
        int g = cfg.groups();
        NDArray x = embed.get(step, new NDIndex("{}", step.create(tokens)));              // [T, H]
        NDArray cosT = cos.get(step, new NDIndex("{}:{}", past, past + t));              // [T, D]
        NDArray sinT = sin.get(step, new NDIndex("{}:{}", past, past + t));
        float[] m = new float[t * (past + t)];
        for (int i = 0; i < t; i++) {
            for (int j = past + i + 1; j < past + t; j++) {
                m[i * (past + t) + j] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray mask = step.create(m, new Shape(1, 1, t, past + t));
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDList parts = projectQkv(x, layer);
            NDArray q = parts.get(0).reshape(t, nh, d).transpose(1, 0, 2);              // [nH, T, D]
            NDArray k = parts.get(1).reshape(t, nkv, d).transpose(1, 0, 2);             // [nKV, T, D]
            NDArray v = parts.get(2).reshape(t, nkv, d).transpose(1, 0, 2);
            q = rope(q, cosT, sinT);
            k = rope(k, cosT, sinT);
            NDArray keys = cache.keys(l) == null ? k : cache.keys(l).concat(k, 1);       // [nKV, P+T, D]
            NDArray values = cache.values(l) == null ? v : cache.values(l).concat(v, 1);
            NDArray qg = q.reshape(nkv, g, t, d);
            NDArray scores = qg.matMul(keys.expandDims(1).transpose(0, 1, 3, 2)).mul(scale).add(mask);
            NDArray attn = scores.softmax(-1).matMul(values.expandDims(1))              // [nKV, g, T, D]
                    .reshape(nh, t, d).transpose(1, 0, 2).reshape(t, (long) nh * d);
            x = x.add(attn.matMul(layer.oT));
            cache.set(l, keys, values);
            x = x.add(mlp(rmsNorm(x, layer.mlpNorm), layer));
        }
        cache.setLength(past + t);
        return switch (want) {
            case NONE -> null;
            case LAST -> rmsNorm(x.get(t - 1), finalNorm).matMul(lmHeadT);
            case ALL -> rmsNorm(x, finalNorm).matMul(lmHeadT);
        };
    }

    /**
     * One new token for each row of {@code batch} (token {@code i} belongs to row {@code i}), in one batched forward:
     * the new keys and values are written into the batch's step column, attention runs over every row's positions
     * (rows of different lengths are right-aligned and masked), and the batch advances by one position. Returns
     * logits {@code [B, V]}.
     */
    public NDArray decode(NDManager step, int[] tokens, DecodeBatch batch) {
        int b = tokens.length;
        if (b != batch.size()) {
            throw new IllegalArgumentException(b + " tokens for a decode batch of " + batch.size() + " rows");
        }
        int d = cfg.headDim();
        int nh = cfg.heads();
        int nkv = cfg.kvHeads();
        int g = cfg.groups();
        int[] positions = new int[b];
        for (int i = 0; i < b; i++) {
            positions[i] = batch.length(i);
            if (positions[i] + 1 > cfg.maxPositions()) {
                throw new IllegalArgumentException("sequence exceeds max_position_embeddings " + cfg.maxPositions());
            }
        }
        batch.reserveStep();
        if (scripted != null) {
            NDArray logits = scripted.decode(step, tokens, positions, batch.keyBuffers(), batch.valueBuffers(),
                    batch.end(), batch.mask(step));
            batch.advance();
            return logits;
        }
        NDArray x = embed.get(step, new NDIndex("{}", step.create(tokens)));              // [B, H]
        NDArray pos = step.create(positions);
        NDArray cosB = cos.get(step, new NDIndex("{}", pos)).reshape(b, 1, d);           // [B, 1, D]
        NDArray sinB = sin.get(step, new NDIndex("{}", pos)).reshape(b, 1, d);
        NDArray mask = batch.mask(step);                                                 // [B, 1, 1, L] or null
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDList parts = projectQkv(x, layer);
            NDArray q = rope(parts.get(0).reshape(b, nh, d), cosB, sinB);               // [B, nH, D]
            NDArray k = rope(parts.get(1).reshape(b, nkv, d), cosB, sinB);              // [B, nKV, D]
            batch.write(l, k, parts.get(2).reshape(b, nkv, d));
            NDArray keys = batch.keys(step, l);                                          // [B, nKV, L, D]
            NDArray values = batch.values(step, l);
            NDArray qg = q.reshape(b, nkv, g, d);
            NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2)).mul(scale);          // [B, nKV, g, L]
            if (mask != null) {
                scores = scores.add(mask);
            }
            NDArray attn = scores.softmax(-1).matMul(values).reshape(b, (long) nh * d);
            x = x.add(attn.matMul(layer.oT));
            x = x.add(mlp(rmsNorm(x, layer.mlpNorm), layer));
        }
        batch.advance();
        return rmsNorm(x, finalNorm).matMul(lmHeadT);
    }

    /** Normalised input → q | k | v, each {@code [rows, heads × head_dim]}. */
    private NDList projectQkv(NDArray x, Layer layer) {
        NDArray qkv = rmsNorm(x, layer.attnNorm).matMul(layer.qkvT);
        if (layer.qkvBias != null) {
            qkv = qkv.add(layer.qkvBias);
        }
        long qEnd = (long) cfg.heads() * cfg.headDim();
        return qkv.split(new long[] {qEnd, qEnd + (long) cfg.kvHeads() * cfg.headDim()}, 1);
    }

    private NDArray mlp(NDArray h, Layer layer) {
        NDList gu = h.matMul(layer.gateUpT).split(2, h.getShape().dimension() - 1);
        NDArray gate = gu.get(0);
        return gate.mul(Activation.sigmoid(gate)).mul(gu.get(1)).matMul(layer.downT);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add((float) cfg.rmsNormEps()).sqrt()).mul(weight);
    }

    /** HF rotary convention: x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1]. */
    private static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, x.getShape().dimension() - 1);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    private NDArray take(Map<String, NDArray> w, String name, long... shape) {
        NDArray a = w.remove(name);
        if (a == null) {
            throw new IllegalArgumentException("the checkpoint has no tensor '" + name + "'");
        }
        if (!a.getShape().equals(new Shape(shape))) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + a.getShape() + ", config.json implies "
                    + new Shape(shape));
        }
        return a;
    }

    @Override
    public void close() {
        if (scripted != null) {
            scripted.close();
        }
        manager.close();
    }
}
