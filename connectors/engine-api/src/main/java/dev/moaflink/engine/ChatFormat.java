package dev.moaflink.engine;

import java.util.Locale;

/**
 * How a user message is wrapped for a chat model: text before it ({@code head}) and after it up to where the
 * assistant's reply starts ({@code tail}). Sessions put the head before the prompt prefix and the tail after the
 * last appended part, so the wrapped prompt can still be prefilled incrementally.
 *
 * <p>{@code tokenizer_config.json} carries Jinja chat templates; rather than run Jinja, engines and servers recognise
 * the common families by their markers (ChatML as in Qwen2, Llama 3, Llama 2) and render a single user turn without
 * a system message. A template of another family is reported and the prompt is used raw (the DJL engine's option
 * {@code chat_template} picks a family explicitly, or {@code none}). Shared by the DJL engine and the OpenAI server.
 */
public record ChatFormat(String name, String head, String tail, boolean addSpecialTokens) {

    /** Raw prompt; the tokenizer adds its special tokens (e.g. BOS) itself. */
    public static final ChatFormat NONE = new ChatFormat("none", "", "", true);

    public static ChatFormat named(String family, String bosToken) {
        String bos = bosToken == null ? "" : bosToken;
        return switch (family.toLowerCase(Locale.ROOT)) {
            case "none", "raw" -> NONE;
            case "chatml" -> new ChatFormat("chatml", "<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n", false);
            case "llama3" -> new ChatFormat("llama3", bos + "<|start_header_id|>user<|end_header_id|>\n\n",
                    "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", false);
            case "llama2" -> new ChatFormat("llama2", bos + "[INST] ", " [/INST]", false);
            default -> throw new IllegalArgumentException("chat_template '" + family
                    + "' is not one of auto, none, chatml, llama3, llama2");
        };
    }

    /** The family a Jinja template belongs to, or null when it is none the engine knows. */
    public static String detect(String jinja) {
        if (jinja == null || jinja.isBlank()) {
            return "none";
        }
        if (jinja.contains("<|im_start|>")) {
            return "chatml";
        }
        if (jinja.contains("<|start_header_id|>")) {
            return "llama3";
        }
        if (jinja.contains("[INST]")) {
            return "llama2";
        }
        return null;
    }

    /** The whole prompt for a user message. */
    public String wrap(String user) {
        return head + user + tail;
    }
}
