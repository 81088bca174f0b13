package dev.moaflink.engine.djl;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Text ↔ token ids for one model: its {@code tokenizer.json} (DJL's HF tokenizers), chat format and stop ids. */
public final class TextCodec implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TextCodec.class);

    private final HuggingFaceTokenizer tokenizer;
    private final ChatFormat chat;
    private final Set<Integer> eos;

    private TextCodec(HuggingFaceTokenizer tokenizer, ChatFormat chat, Set<Integer> eos) {
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.eos = Set.copyOf(eos);
    }

    /**
     * @param chatTemplate {@code auto} (recognise the template in tokenizer_config.json), or a family name
     */
    public static TextCodec load(Path dir, HfConfig cfg, String chatTemplate) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " has no tokenizer.json");
        }
        JsonNode tc = null;
        Path tcFile = dir.resolve("tokenizer_config.json");
        try {
            if (Files.isRegularFile(tcFile)) {
                tc = new ObjectMapper().readTree(Files.readString(tcFile));
            }
            // No truncation or padding: DJL's defaults cut every text to 512 tokens (its modelMaxLength), which would
            // silently drop the end of a long prompt (the chat suffix included); the engine refuses what overflows
            // the model's context instead.
            HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file,
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            String bos = tc == null ? null : token(tc, "bos_token");
            ChatFormat chat;
            if (chatTemplate == null || chatTemplate.equals("auto")) {
                String jinja = tc == null ? null : template(tc.get("chat_template"));
                String family = ChatFormat.detect(jinja);
                if (family == null) {
                    LOG.warn("{}: chat template of an unknown family; prompts are used raw (set chat_template)", dir);
                    family = "none";
                }
                chat = ChatFormat.named(family, bos);
            } else {
                chat = ChatFormat.named(chatTemplate, bos);
            }
            Set<Integer> eos = new LinkedHashSet<>(cfg.eosTokenIds());
            String eosToken = tc == null ? null : token(tc, "eos_token");
            for (String stop : new String[] {eosToken, chat.name().equals("chatml") ? "<|im_end|>" : null,
                    chat.name().equals("llama3") ? "<|eot_id|>" : null}) {
                if (stop != null) {
                    long[] ids = tok.encode(stop, false, false).getIds();
                    if (ids.length == 1) {
                        eos.add((int) ids[0]);
                    }
                }
            }
            return new TextCodec(tok, chat, eos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the tokenizer of " + dir + ": " + e.getMessage(), e);
        }
    }

    public ChatFormat chat() {
        return chat;
    }

    public boolean isEos(int id) {
        return eos.contains(id);
    }

    public Set<Integer> eosIds() {
        return eos;
    }

    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, chat.addSpecialTokens(), false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    public String decode(int[] ids, int length) {
        long[] l = new long[length];
        for (int i = 0; i < length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    private static String token(JsonNode tc, String key) {
        JsonNode v = tc.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isObject() ? v.path("content").asText(null) : v.asText();
    }

    private static String template(JsonNode t) {
        if (t == null || t.isNull()) {
            return null;
        }
        if (t.isArray()) { // [{name, template}, ...]: the default one
            for (JsonNode n : t) {
                if ("default".equals(n.path("name").asText())) {
                    return n.path("template").asText();
                }
            }
            return t.size() > 0 ? t.get(0).path("template").asText() : null;
        }
        return t.asText();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
