package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class HfConfigTest {

    private static HfConfig parse(String json) throws Exception {
        return HfConfig.parse(new ObjectMapper().readTree(json), "config.json");
    }

    @Test
    void readsALlamaConfigWithGroupedQueryAttention() throws Exception {
        HfConfig c = parse("""
                {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
                 "vocab_size": 100, "max_position_embeddings": 256, "eos_token_id": [7, 9]}""");
        assertEquals(16, c.headDim());
        assertEquals(2, c.groups());
        assertFalse(c.tiedEmbeddings());
        assertFalse(c.qkvBias());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(List.of(7, 9), c.eosTokenIds());
        assertEquals(2L * 2 * 2 * 16 * 4, c.kvBytesPerToken());
    }

    @Test
    void qwen2HasQkvBiasAndTiedEmbeddingsWhenSaid() throws Exception {
        HfConfig c = parse("""
                {"model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                 "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 50, "tie_word_embeddings": true,
                 "use_sliding_window": false, "sliding_window": 4096, "eos_token_id": 3}""");
        assertTrue(c.qkvBias());
        assertTrue(c.tiedEmbeddings());
        assertEquals(List.of(3), c.eosTokenIds());
    }

    @Test
    void refusesWhatItCannotRunWithTheReason() {
        String base = """
                "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
                "vocab_size": 50""";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"model_type\": \"gpt2\", " + base + "}"))
                .getMessage().contains("gpt2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"model_type\": \"llama\", " + base
                + ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8}}")).getMessage().contains("llama3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"model_type\": \"llama\", " + base
                + ", \"num_key_value_heads\": 3}")).getMessage().contains("multiple"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"model_type\": \"llama\", "
                + "\"hidden_size\": 32, \"num_attention_heads\": 4, \"vocab_size\": 50}")).getMessage()
                .contains("intermediate_size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"model_type\": \"qwen2\", " + base
                + ", \"use_sliding_window\": true}")).getMessage().contains("sliding"));
    }
}
