package dev.moaflink.engine.djl;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.engine.ChatFormat;
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

    /** Texts on which {@link #splitsAtWords()} is checked when a tokenizer loads. */
    private static final String[] SPLIT_PROBES = {
        "The answer is 42, because six times seven is forty-two.\nAnswer: B",
        "Response 2: I think   the capital of France is Paris (not Lyon); so C.",
        "x = 3.14 and y=2e-5 -> z; über naïve café 東京 emoji 🙂 ok",
    };

    private final HuggingFaceTokenizer tokenizer;
    private final ChatFormat chat;
    private final Set<Integer> eos;
    /** How a text that continues at a word boundary is encoded: 0 not at all, 1 as it is, 2 without its space. */
    private final int continuation;

    private TextCodec(HuggingFaceTokenizer tokenizer, ChatFormat chat, Set<Integer> eos) {
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.eos = Set.copyOf(eos);
        this.continuation = probeSplits();
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
        return ids(tokenizer.encode(text, chat.addSpecialTokens(), false).getIds());
    }

    /**
     * The ids of a text that starts at a {@link #wordBoundary} (with its space) of an encoded text: no special
     * tokens, and for tokenizers that prepend a space to every text (SentencePiece's dummy prefix) without the
     * space, which they put back.
     */
    int[] encodeContinuation(String text) {
        return continuation(text, continuation);
    }

    private int[] continuation(String text, int mode) {
        return ids(tokenizer.encode(mode == 2 ? text.substring(1) : text, false, false).getIds());
    }

    /**
     * Whether a text split at a {@link #wordBoundary} encodes as its first part's ids followed by the second's
     * {@linkplain #encodeContinuation continuation} ids: true for tokenizers whose pieces do not cross a space before a
     * word (byte-level BPE, metaspace, SentencePiece-style BPE with a dummy prefix); checked on sample texts at load.
     * Sessions of such a tokenizer re-tokenise only the text after the last boundary they passed.
     */
    boolean splitsAtWords() {
        return continuation != 0;
    }

    /**
     * The last position in {@code text}, within {@code [from, to)}, where a single space follows a non-space
     * character and precedes one (where the text may be split, see {@link #splitsAtWords}), or -1.
     */
    static int wordBoundary(CharSequence text, int from, int to) {
        for (int i = Math.min(to, text.length() - 1) - 1; i > Math.max(from, 0); i--) {
            if (text.charAt(i) == ' ' && !Character.isWhitespace(text.charAt(i - 1))
                    && !Character.isWhitespace(text.charAt(i + 1))) {
                return i;
            }
        }
        return -1;
    }

    private int probeSplits() {
        for (int mode = 1; mode <= 2; mode++) {
            if (splitsEveryProbe(mode)) {
                return mode;
            }
        }
        LOG.info("tokenizer does not split at words: sessions re-tokenise their whole prompt on each append");
        return 0;
    }

    private boolean splitsEveryProbe(int mode) {
        for (String probe : SPLIT_PROBES) {
            int[] whole = ids(tokenizer.encode(probe, false, false).getIds());
            for (int cut = wordBoundary(probe, 0, probe.length()); cut > 0; cut = wordBoundary(probe, 0, cut)) {
                int[] a = ids(tokenizer.encode(probe.substring(0, cut), false, false).getIds());
                int[] b = continuation(probe.substring(cut), mode);
                int[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
                System.arraycopy(b, 0, joined, a.length, b.length);
                if (!java.util.Arrays.equals(whole, joined)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static int[] ids(long[] ids) {
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
