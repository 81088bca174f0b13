package dev.moaflink.engine.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The architecture facts of a Hugging Face {@code config.json} that a Llama-family forward pass needs.
 * Supported {@code model_type}s: {@code llama} and {@code qwen2} (and {@code mistral} without a sliding
 * window): RMSNorm, rotary embeddings with {@code rope_theta}, grouped-query attention, SwiGLU, tied or
 * untied embeddings, q/k/v bias for qwen2 (or llama's {@code attention_bias}). Anything else is refused
 * with the reason, never silently approximated.
 */
public record HfConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        int vocabSize,
        int maxPositions,
        boolean tiedEmbeddings,
        boolean qkvBias,
        List<Integer> eosTokenIds) {

    private static final Set<String> SUPPORTED = Set.of("llama", "qwen2", "mistral");

    public HfConfig {
        require(hiddenSize > 0 && layers > 0 && heads > 0 && kvHeads > 0 && headDim > 0 && vocabSize > 0,
                "sizes must be positive");
        require(heads % kvHeads == 0, "num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads ("
                + kvHeads + ")");
        require(headDim % 2 == 0, "head_dim must be even for rotary embeddings, was " + headDim);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Query heads per key/value head. */
    public int groups() {
        return heads / kvHeads;
    }

    /** Bytes of KV cache one token takes in float32: keys and values, every layer. */
    public long kvBytesPerToken() {
        return 2L * layers * kvHeads * headDim * Float.BYTES;
    }

    public static HfConfig read(Path configJson) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + configJson + ": " + e.getMessage(), e);
        }
        return parse(n, configJson.toString());
    }

    static HfConfig parse(JsonNode n, String where) {
        String type = text(n, "model_type", null);
        if (type == null || !SUPPORTED.contains(type)) {
            throw new IllegalArgumentException(where + ": model_type '" + type + "' is not supported (supported: "
                    + SUPPORTED + ")");
        }
        String act = text(n, "hidden_act", "silu");
        require(act.equals("silu") || act.equals("swish"), where + ": hidden_act '" + act + "' is not supported (silu)");
        JsonNode scaling = n.get("rope_scaling");
        if (scaling != null && !scaling.isNull()) {
            String kind = text(scaling, "rope_type", text(scaling, "type", "?"));
            require(kind.equals("default"), where + ": rope_scaling '" + kind + "' is not supported yet");
        }
        if (n.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": mlp_bias is not supported");
        }
        if (type.equals("mistral") || type.equals("qwen2")) {
            JsonNode window = n.get("sliding_window");
            boolean used = type.equals("qwen2") ? n.path("use_sliding_window").asBoolean(false)
                    : window != null && !window.isNull();
            require(!used, where + ": sliding-window attention is not supported");
        }
        int hidden = integer(n, "hidden_size", where);
        int heads = integer(n, "num_attention_heads", where);
        int headDim = n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads;
        List<Integer> eos = new ArrayList<>();
        JsonNode e = n.get("eos_token_id");
        if (e != null && e.isArray()) {
            e.forEach(x -> eos.add(x.asInt()));
        } else if (e != null && e.isNumber()) {
            eos.add(e.asInt());
        }
        return new HfConfig(type, hidden, integer(n, "intermediate_size", where), integer(n, "num_hidden_layers", where),
                heads, n.hasNonNull("num_key_value_heads") ? n.get("num_key_value_heads").asInt() : heads, headDim,
                n.path("rms_norm_eps").asDouble(1e-6), n.path("rope_theta").asDouble(10000.0),
                integer(n, "vocab_size", where), n.path("max_position_embeddings").asInt(2048),
                n.path("tie_word_embeddings").asBoolean(false),
                type.equals("qwen2") || n.path("attention_bias").asBoolean(false), eos);
    }

    private static int integer(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException(where + ": '" + key + "' is missing or not an integer");
        }
        return v.asInt();
    }

    private static String text(JsonNode n, String key, String otherwise) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? otherwise : v.asText();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
