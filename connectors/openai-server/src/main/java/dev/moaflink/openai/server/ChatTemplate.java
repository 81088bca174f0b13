package dev.moaflink.openai.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.engine.ChatFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the chat endpoint turns a user message into the prompt the engine reads: text before the message
 * ({@code head}) and after it, up to where the assistant's reply starts ({@code tail}). The families are the DJL
 * engine's ({@link ChatFormat}), recognised the same way; the server renders them itself and runs the engine on the
 * raw prompt, so that the completions endpoint sends prompts unchanged, as OpenAI's does.
 */
record ChatTemplate(String name, String head, String tail) {

    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplate.class);
    private static final String CLASSPATH = "classpath:";

    /** The message is the prompt (models without a chat format, the simulated engine). */
    static final ChatTemplate NONE = new ChatTemplate("none", "", "");

    /**
     * The template of a DJL chat-format family. Its beginning-of-sequence token is left out: the engine, run with
     * {@code chat_template: none}, has the tokenizer add it, as for any raw prompt.
     */
    static ChatTemplate family(String family) {
        ChatFormat f = ChatFormat.named(family, null);
        return new ChatTemplate(f.name(), f.head(), f.tail());
    }

    /**
     * The template a DJL model declares in its {@code tokenizer_config.json} ({@code path} as the engine's option:
     * a directory or {@code classpath:...}); none when it declares none, or one of a family the engine does not know.
     */
    static ChatTemplate declaredBy(String path) {
        JsonNode config = tokenizerConfig(path);
        JsonNode t = config == null ? null : config.get("chat_template");
        String jinja = null;
        if (t != null && t.isArray()) { // [{name, template}, ...]: the default one
            for (JsonNode n : t) {
                if (jinja == null || "default".equals(n.path("name").asText())) {
                    jinja = n.path("template").asText(null);
                }
            }
        } else if (t != null && t.isTextual()) {
            jinja = t.asText();
        }
        String family = ChatFormat.detect(jinja);
        if (family == null) {
            LOG.warn("{}: chat template of an unknown family; chat messages are used raw (set --chat-template)", path);
            return NONE;
        }
        return family(family);
    }

    String render(String userMessage) {
        return head + userMessage + tail;
    }

    private static JsonNode tokenizerConfig(String path) {
        try {
            if (path.startsWith(CLASSPATH)) {
                String resource = path.substring(CLASSPATH.length()).replaceAll("^/+|/+$", "") + "/tokenizer_config.json";
                ClassLoader cl = Thread.currentThread().getContextClassLoader();
                try (InputStream in = (cl != null ? cl : ChatTemplate.class.getClassLoader()).getResourceAsStream(resource)) {
                    return in == null ? null : new ObjectMapper().readTree(in);
                }
            }
            Path file = Path.of(path, "tokenizer_config.json");
            return Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile()) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer_config.json of " + path + ": " + e.getMessage(), e);
        }
    }
}
