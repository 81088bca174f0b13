package dev.moaflink.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The two OpenAI text-generation APIs, which differ in how the prompt is sent, how log-probs are asked for and
 * where a streamed chunk keeps its text and log-probs.
 */
enum Endpoint {

    /** {@code /chat/completions}: the prompt is one user message; the server applies the model's chat template. */
    CHAT("/chat/completions") {
        @Override
        ObjectNode body(String model, String prompt) {
            ObjectNode b = JsonNodeFactory.instance.objectNode().put("model", model);
            b.putArray("messages").addObject().put("role", "user").put("content", prompt);
            return b;
        }

        @Override
        void askLogprobs(ObjectNode body) {
            body.put("logprobs", true).put("top_logprobs", 0);
        }

        @Override
        StreamChunk chunk(JsonNode choice, Usage usage) {
            String text = choice.path("delta").path("content").asText("");
            List<StreamChunk.Piece> pieces = new ArrayList<>();
            for (JsonNode entry : choice.path("logprobs").path("content")) {
                pieces.add(new StreamChunk.Piece(entry.path("token").asText(""), logProb(entry.get("logprob"))));
            }
            return new StreamChunk(text, pieces, finishReason(choice), usage, null);
        }
    },

    /** {@code /completions}: the prompt is sent as it is. */
    COMPLETIONS("/completions") {
        @Override
        ObjectNode body(String model, String prompt) {
            return JsonNodeFactory.instance.objectNode().put("model", model).put("prompt", prompt);
        }

        @Override
        void askLogprobs(ObjectNode body) {
            body.put("logprobs", 1);
        }

        @Override
        StreamChunk chunk(JsonNode choice, Usage usage) {
            String text = choice.path("text").asText("");
            JsonNode tokens = choice.path("logprobs").path("tokens");
            JsonNode logProbs = choice.path("logprobs").path("token_logprobs");
            List<StreamChunk.Piece> pieces = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                pieces.add(new StreamChunk.Piece(tokens.get(i).asText(""), logProb(logProbs.get(i))));
            }
            return new StreamChunk(text, pieces, finishReason(choice), usage, null);
        }
    };

    private final String path;

    Endpoint(String path) {
        this.path = path;
    }

    String path() {
        return path;
    }

    static Optional<Endpoint> named(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "chat" -> Optional.of(CHAT);
            case "completions" -> Optional.of(COMPLETIONS);
            default -> Optional.empty();
        };
    }

    /** A request body with the model and the prompt; the caller adds sampling settings. */
    abstract ObjectNode body(String model, String prompt);

    /** Asks for the chosen token's log-prob only (no alternatives), in this endpoint's format. */
    abstract void askLogprobs(ObjectNode body);

    abstract StreamChunk chunk(JsonNode choice, Usage usage);

    /**
     * Reads one streamed JSON object: the first choice's text, token log-probs and finish reason, the usage (sent
     * last, with no choices, when asked for), or an error the server reports in the stream.
     */
    StreamChunk parse(JsonNode json) {
        String error = errorMessage(json);
        if (error != null) {
            return new StreamChunk("", List.of(), null, null, error);
        }
        Usage usage = Usage.of(json.get("usage"));
        JsonNode choices = json.path("choices");
        if (choices.isEmpty()) {
            return new StreamChunk("", List.of(), null, usage, null);
        }
        return chunk(choices.get(0), usage);
    }

    /** The message of an OpenAI-style error object ({@code {"error": {...}}} or {@code {"object": "error"}}), or null. */
    static String errorMessage(JsonNode json) {
        JsonNode error = json.get("error");
        if (error != null && !error.isNull()) {
            return error.isObject() ? error.path("message").asText(error.toString()) : error.asText();
        }
        if ("error".equals(json.path("object").asText())) {
            return json.path("message").asText(json.toString());
        }
        return null;
    }

    private static String finishReason(JsonNode choice) {
        JsonNode r = choice.get("finish_reason");
        return r == null || r.isNull() ? null : r.asText();
    }

    /** Servers write -inf as a large negative number or null; null (no log-prob) is NaN, "unknown". */
    private static float logProb(JsonNode v) {
        return v == null || !v.isNumber() ? Float.NaN : (float) v.asDouble();
    }

    /**
     * Token counts a server reports ({@code usage}); {@code cachedTokens} the prompt tokens its prefix cache served
     * ({@code prompt_tokens_details.cached_tokens}: vLLM with {@code --enable-prompt-tokens-details}; 0 if absent).
     */
    record Usage(int promptTokens, int completionTokens, int cachedTokens) {
        static Usage of(JsonNode u) {
            if (u == null || !u.isObject() || !u.path("prompt_tokens").isNumber()) {
                return null;
            }
            return new Usage(u.path("prompt_tokens").asInt(), u.path("completion_tokens").asInt(),
                    u.path("prompt_tokens_details").path("cached_tokens").asInt(0));
        }
    }
}
