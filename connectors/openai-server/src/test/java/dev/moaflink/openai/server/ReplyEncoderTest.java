package dev.moaflink.openai.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON of replies, endpoint by endpoint, without a server. */
class ReplyEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SessionDriver.Outcome LENGTH = new SessionDriver.Outcome("length", 7, 2, null);
    private static final List<StopScanner.Piece> PIECES = List.of(new StopScanner.Piece("h\u00e9", -0.5f),
            new StopScanner.Piece("llo", Float.NaN));

    private static ReplyEncoder encoder(boolean chat, String fields) throws Exception {
        String prompt = chat ? "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]" : "\"prompt\": \"hi\"";
        CompletionRequest req = CompletionRequest.parse(JSON.readTree("{\"model\": \"m\", " + prompt + fields + "}"),
                chat);
        return new ReplyEncoder("id-1", "m", req);
    }

    @Test
    void aStreamedChatOpensWithTheRoleThenCarriesTokensAndEndsWithTheFinishReasonAndUsage() throws Exception {
        ReplyEncoder e = encoder(true, ", \"stream\": true, \"stream_options\": {\"include_usage\": true}, "
                + "\"logprobs\": true");
        JsonNode opening = e.opening();
        assertEquals("chat.completion.chunk", opening.get("object").asText());
        assertEquals("id-1", opening.get("id").asText());
        assertEquals("m", opening.get("model").asText());
        assertEquals("assistant", opening.at("/choices/0/delta/role").asText());
        assertEquals("", opening.at("/choices/0/delta/content").asText());
        assertTrue(opening.at("/choices/0/logprobs").isNull());
        assertTrue(opening.at("/choices/0/finish_reason").isNull());
        assertTrue(opening.get("usage").isNull(), "usage is null on every chunk but the last");

        JsonNode tokens = e.tokens(PIECES);
        assertEquals("h\u00e9llo", tokens.at("/choices/0/delta/content").asText());
        JsonNode content = tokens.at("/choices/0/logprobs/content");
        assertEquals(2, content.size());
        assertEquals("h\u00e9", content.get(0).get("token").asText());
        assertEquals(-0.5, content.get(0).get("logprob").asDouble());
        assertEquals(List.of(104, 195, 169), JSON.convertValue(content.get(0).get("bytes"), List.class));
        assertTrue(content.get(0).get("top_logprobs").isEmpty());
        assertTrue(content.get(1).get("logprob").isNull(), "an unknown log-prob is null: JSON has no NaN");

        JsonNode finish = e.finish("length");
        assertTrue(finish.at("/choices/0/delta").isEmpty(), "the last choice chunk carries no content");
        assertEquals("length", finish.at("/choices/0/finish_reason").asText());
        assertTrue(finish.at("/choices/0/logprobs").isNull());

        JsonNode usage = e.usageChunk(LENGTH);
        assertTrue(usage.get("choices").isEmpty());
        assertEquals(7, usage.at("/usage/prompt_tokens").asInt());
        assertEquals(2, usage.at("/usage/completion_tokens").asInt());
        assertEquals(9, usage.at("/usage/total_tokens").asInt());
    }

    @Test
    void streamedCompletionsCountTextOffsetsAcrossChunks() throws Exception {
        ReplyEncoder e = encoder(false, ", \"stream\": true, \"logprobs\": 1");
        e.tokens(PIECES);
        JsonNode next = e.tokens(List.of(new StopScanner.Piece("!", -0.1f)));
        assertEquals("text_completion", next.get("object").asText());
        assertEquals("!", next.at("/choices/0/text").asText());
        assertEquals(5, next.at("/choices/0/logprobs/text_offset/0").asInt(), "after the 5 characters sent");
        assertFalse(next.has("usage"), "usage was not asked for");
        JsonNode first = encoder(false, ", \"logprobs\": 1").tokens(PIECES);
        assertTrue(first.at("/choices/0/logprobs/token_logprobs/1").isNull());
        assertTrue(first.at("/choices/0/logprobs/top_logprobs").isNull());
    }

    @Test
    void wholeRepliesCarryTheTextLogProbsFinishReasonAndUsage() throws Exception {
        JsonNode chat = encoder(true, ", \"logprobs\": true").whole(PIECES, LENGTH);
        assertEquals("chat.completion", chat.get("object").asText());
        assertEquals("assistant", chat.at("/choices/0/message/role").asText());
        assertEquals("h\u00e9llo", chat.at("/choices/0/message/content").asText());
        assertEquals(2, chat.at("/choices/0/logprobs/content").size());
        assertEquals("length", chat.at("/choices/0/finish_reason").asText());
        assertEquals(9, chat.at("/usage/total_tokens").asInt());

        JsonNode completion = encoder(false, "").whole(PIECES, LENGTH);
        assertEquals("text_completion", completion.get("object").asText());
        assertEquals("h\u00e9llo", completion.at("/choices/0/text").asText());
        assertTrue(completion.at("/choices/0/logprobs").isNull(), "log-probs were not asked for");
    }

    @Test
    void eventsAreSingleDataLines() throws Exception {
        String event = new String(ReplyEncoder.event(encoder(true, "").finish("stop")), StandardCharsets.UTF_8);
        assertTrue(event.startsWith("data: {") && event.endsWith("}\n\n") && event.indexOf('\n') == event.length() - 2,
                event);
        assertEquals("data: [DONE]\n\n", new String(ReplyEncoder.DONE, StandardCharsets.UTF_8));
    }
}
