package dev.moaflink.openai.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The JSON objects of one response, in the format of its endpoint: {@code chat.completion} or
 * {@code text_completion} objects, or, streamed, their chunks framed as Server-Sent Events. Keeps the characters sent
 * so far (completions' {@code text_offset}): one encoder per response.
 */
final class ReplyEncoder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The event that ends a stream that ended well. */
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final String id;
    private final String model;
    private final CompletionRequest req;
    /** Characters of output sent so far (completions' text_offset). */
    private int offset;

    ReplyEncoder(String id, String model, CompletionRequest req) {
        this.id = id;
        this.model = model;
        this.req = req;
    }

    /** A Server-Sent Event carrying {@code json}. */
    static byte[] event(JsonNode json) throws JsonProcessingException {
        return ("data: " + JSON.writeValueAsString(json) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The first streamed chunk of a chat reply: the assistant's role, no content yet. */
    ObjectNode opening() {
        return chunk(List.of(), null, true);
    }

    /** A streamed chunk of tokens. */
    ObjectNode tokens(List<StopScanner.Piece> pieces) {
        return chunk(pieces, null, false);
    }

    /** The streamed chunk that ends the choice with the finish reason. */
    ObjectNode finish(String finishReason) {
        return chunk(List.of(), finishReason, false);
    }

    /** The last streamed chunk when usage was asked for: no choices, the token counts. */
    ObjectNode usageChunk(SessionDriver.Outcome o) {
        ObjectNode c = head(true);
        c.putArray("choices");
        c.set("usage", usage(o));
        return c;
    }

    /** A non-streamed response. */
    ObjectNode whole(List<StopScanner.Piece> pieces, SessionDriver.Outcome o) {
        ObjectNode c = head(false);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        if (req.chat()) {
            choice.putObject("message").put("role", "assistant").put("content", text(pieces));
        } else {
            choice.put("text", text(pieces));
        }
        logprobs(choice, pieces, true);
        choice.put("finish_reason", o.finishReason());
        c.set("usage", usage(o));
        return c;
    }

    private ObjectNode head(boolean streamed) {
        return NODES.objectNode().put("id", id)
                .put("object", req.chat() ? streamed ? "chat.completion.chunk" : "chat.completion" : "text_completion")
                .put("created", System.currentTimeMillis() / 1000).put("model", model);
    }

    /** A streamed chunk: tokens, or (with a finish reason) the end, or (with {@code role}) the chat opening. */
    private ObjectNode chunk(List<StopScanner.Piece> pieces, String finishReason, boolean role) {
        ObjectNode c = head(true);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        String text = text(pieces);
        if (req.chat()) {
            ObjectNode delta = choice.putObject("delta");
            if (role) {
                delta.put("role", "assistant").put("content", "");
            } else if (finishReason == null) {
                delta.put("content", text);
            }
        } else {
            choice.put("text", text);
        }
        logprobs(choice, pieces, finishReason == null && !role);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (req.includeUsage()) {
            c.putNull("usage");
        }
        return c;
    }

    private void logprobs(ObjectNode choice, List<StopScanner.Piece> pieces, boolean carriesTokens) {
        if (!req.logprobs() || !carriesTokens) {
            choice.putNull("logprobs");
            return;
        }
        if (req.chat()) {
            ArrayNode content = choice.putObject("logprobs").putArray("content");
            for (StopScanner.Piece p : pieces) {
                ObjectNode e = content.addObject().put("token", p.text());
                logProb(e, "logprob", p.logProb());
                ArrayNode bytes = e.putArray("bytes");
                for (byte b : p.text().getBytes(StandardCharsets.UTF_8)) {
                    bytes.add(b & 0xff);
                }
                e.putArray("top_logprobs");
            }
        } else {
            ObjectNode lp = choice.putObject("logprobs");
            ArrayNode tokens = lp.putArray("tokens");
            ArrayNode values = lp.putArray("token_logprobs");
            ArrayNode offsets = lp.putArray("text_offset");
            lp.putNull("top_logprobs");
            for (StopScanner.Piece p : pieces) {
                tokens.add(p.text());
                if (Float.isNaN(p.logProb())) {
                    values.addNull();
                } else {
                    values.add(p.logProb());
                }
                offsets.add(offset);
                offset += p.text().length();
            }
        }
    }

    private static ObjectNode usage(SessionDriver.Outcome o) {
        return NODES.objectNode().put("prompt_tokens", o.promptTokens())
                .put("completion_tokens", o.completionTokens())
                .put("total_tokens", o.promptTokens() + o.completionTokens());
    }

    /** NaN (an engine that knows no log-prob) is written as null: JSON has no NaN. */
    private static void logProb(ObjectNode node, String field, float value) {
        if (Float.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static String text(List<StopScanner.Piece> pieces) {
        StringBuilder sb = new StringBuilder();
        pieces.forEach(p -> sb.append(p.text()));
        return sb.toString();
    }
}
