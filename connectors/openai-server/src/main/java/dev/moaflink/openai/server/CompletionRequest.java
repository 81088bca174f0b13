package dev.moaflink.openai.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.engine.GenerationParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request to {@code /v1/chat/completions} or {@code /v1/completions}, checked field by field. Fields that would
 * change the output in a way the engine SPI cannot honour (several choices, penalties, logit bias, tools, log-prob
 * alternatives, echo) are refused with a 400 naming them rather than ignored; fields that change nothing (e.g.
 * {@code user}) are ignored, as OpenAI-compatible servers do.
 *
 * @param chat        the chat endpoint (else completions)
 * @param model       the model asked for
 * @param text        the user message (chat) or the prompt (completions), before any chat template
 * @param params      sampling settings, including stop sequences
 * @param stream      answer as Server-Sent Events
 * @param includeUsage with {@code stream}: a last chunk carries the token counts
 * @param logprobs    return the chosen tokens' log-probs
 */
record CompletionRequest(boolean chat, String model, String text, GenerationParams params, boolean stream,
                         boolean includeUsage, boolean logprobs) {

    /** OpenAI's default for the legacy completions endpoint. */
    static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;
    /** The chat default: OpenAI's is "up to the context", which the SPI does not tell; this bounds a forgotten field. */
    static final int CHAT_DEFAULT_MAX_TOKENS = 256;
    private static final int MAX_STOP_SEQUENCES = 16;

    static CompletionRequest parse(JsonNode body, boolean chat) throws ApiError {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object");
        }
        String model = requiredString(body, "model");
        String text = chat ? userMessage(body.get("messages")) : prompt(body.get("prompt"));
        refuseUnsupported(body, chat);
        int maxTokens = maxTokens(body, chat);
        double temperature = number(body, "temperature", 1.0, 0, 2, true);
        double topP = number(body, "top_p", 1.0, 0, 1, false);
        long seed = body.hasNonNull("seed") ? integer(body, "seed") : ThreadLocalRandom.current().nextLong();
        List<String> stop = stop(body.get("stop"));
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!stream) {
                throw ApiError.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            if (!streamOptions.isObject()) {
                throw ApiError.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = bool(streamOptions, "include_usage", false);
        }
        boolean logprobs = chat ? chatLogprobs(body) : completionLogprobs(body);
        return new CompletionRequest(chat, model, text, new GenerationParams(maxTokens, temperature, topP, seed, stop),
                stream, includeUsage, logprobs);
    }

    /** The single user message a chat request may carry (the engine's chat formats render one user turn). */
    private static String userMessage(JsonNode messages) throws ApiError {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array");
        }
        List<String> roles = new ArrayList<>();
        messages.forEach(m -> roles.add(m.path("role").asText("?")));
        if (messages.size() != 1 || !roles.get(0).equals("user")) {
            throw ApiError.invalid("messages", "this server renders one user message with the model's chat format "
                    + "(no system prompt, no earlier turns); got roles " + roles);
        }
        JsonNode content = messages.get(0).get("content");
        if (content != null && content.isTextual()) {
            return content.asText();
        }
        if (content != null && content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid("messages", "message content parts must be {\"type\": \"text\", \"text\": "
                            + "...}; this server reads text only");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiError.invalid("messages", "the user message's content must be a string or an array of text parts");
    }

    private static String prompt(JsonNode prompt) throws ApiError {
        if (prompt != null && prompt.isTextual()) {
            return prompt.asText();
        }
        if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        throw ApiError.invalid("prompt", "prompt must be a string (or an array of one string; batches and token-id "
                + "prompts are not supported)");
    }

    private static void refuseUnsupported(JsonNode body, boolean chat) throws ApiError {
        if (body.hasNonNull("n") && body.get("n").asInt() != 1) {
            throw unsupported("n", "n other than 1");
        }
        if (body.hasNonNull("best_of") && body.get("best_of").asInt() != 1) {
            throw unsupported("best_of", "best_of other than 1");
        }
        if (body.path("echo").asBoolean(false)) {
            throw unsupported("echo", "echo");
        }
        if (body.hasNonNull("suffix")) {
            throw unsupported("suffix", "suffix");
        }
        if (body.hasNonNull("logit_bias") && !body.get("logit_bias").isEmpty()) {
            throw unsupported("logit_bias", "logit_bias");
        }
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            if (body.hasNonNull(penalty) && body.get(penalty).asDouble() != 0) {
                throw unsupported(penalty, penalty + " other than 0");
            }
        }
        for (String tools : List.of("tools", "functions", "tool_choice", "function_call")) {
            if (chat && body.hasNonNull(tools)) {
                throw unsupported(tools, tools);
            }
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
            throw unsupported("response_format", "response_format other than text");
        }
    }

    private static int maxTokens(JsonNode body, boolean chat) throws ApiError {
        String field = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (!body.hasNonNull(field)) {
            return chat ? CHAT_DEFAULT_MAX_TOKENS : COMPLETIONS_DEFAULT_MAX_TOKENS;
        }
        long n = integer(body, field);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw ApiError.invalid(field, field + " must be an integer >= 1, was " + body.get(field));
        }
        return (int) n;
    }

    private static boolean chatLogprobs(JsonNode body) throws ApiError {
        boolean on = bool(body, "logprobs", false);
        if (body.hasNonNull("top_logprobs")) {
            long top = integer(body, "top_logprobs");
            if (top != 0) {
                throw unsupported("top_logprobs", "top_logprobs other than 0 (the engine reports only the chosen "
                        + "token's log-prob)");
            }
            if (!on) {
                throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
            }
        }
        return on;
    }

    private static boolean completionLogprobs(JsonNode body) throws ApiError {
        if (!body.hasNonNull("logprobs")) {
            return false;
        }
        long n = integer(body, "logprobs");
        if (n < 0 || n > 1) {
            throw ApiError.invalid("logprobs", "logprobs must be 0 or 1 here (the engine reports only the chosen "
                    + "token's log-prob), was " + body.get("logprobs"));
        }
        return true;
    }

    private static List<String> stop(JsonNode stop) throws ApiError {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (stop.isTextual()) {
            out.add(stop.asText());
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or an array of strings");
                }
                out.add(s.asText());
            }
        } else {
            throw ApiError.invalid("stop", "stop must be a string or an array of strings");
        }
        if (out.size() > MAX_STOP_SEQUENCES || out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid("stop", "stop takes at most " + MAX_STOP_SEQUENCES + " non-empty strings");
        }
        return out;
    }

    private static String requiredString(JsonNode body, String field) throws ApiError {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            throw ApiError.invalid(field, field + " is required");
        }
        if (!v.isTextual()) {
            throw ApiError.invalid(field, field + " must be a string");
        }
        return v.asText();
    }

    private static double number(JsonNode body, String field, double otherwise, double min, double max,
                                 boolean minIncluded) throws ApiError {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        double d = v.asDouble();
        if (!v.isNumber() || (minIncluded ? d < min : d <= min) || d > max) {
            throw ApiError.invalid(field, field + " must be a number in " + (minIncluded ? "[" : "(") + min + ", "
                    + max + "], was " + v);
        }
        return d;
    }

    private static long integer(JsonNode body, String field) throws ApiError {
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.invalid(field, field + " must be an integer, was " + v);
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode body, String field, boolean otherwise) throws ApiError {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid(field, field + " must be true or false, was " + v);
        }
        return v.asBoolean();
    }

    private static ApiError unsupported(String param, String what) {
        return ApiError.invalid(param, what + " is not supported by this server");
    }
}
