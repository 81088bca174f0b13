package dev.moaflink.openai.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.Token;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server's HTTP surface as an OpenAI client sees it: formats, streaming framing, stop, usage, errors. */
@Timeout(60)
class OpenAiServerProtocolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LlmEngine direct;
    private static LlmEngine raw;
    /** Decodes past end-of-sequence: the bundled models answer in a few tokens. */
    private static LlmEngine rawLong;
    private static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        direct = TinyModel.engine("auto", false);
        raw = TinyModel.engine("none", false);
        rawLong = TinyModel.engine("none", true);
        server = TinyModel.server(Map.of(TinyModel.NAME, raw, "expert-small-long", rawLong), null);
    }

    @AfterAll
    static void stop() {
        server.close();
        direct.close();
        raw.close();
        rawLong.close();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String content, String extra) throws Exception {
        return JSON.writeValueAsString(Map.of("role", "user", "content", content)) + extra;
    }

    /** The {@code data:} payloads of an event stream, checking its framing. */
    private static List<String> events(String body) {
        List<String> data = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            assertTrue(event.startsWith("data: "), "every event is one data line: " + event);
            data.add(event.substring("data: ".length()));
        }
        assertTrue(body.endsWith("\n\n"));
        return data;
    }

    @Test
    void listsItsModels() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode list = JSON.readTree(r.body());
        assertEquals("list", list.get("object").asText());
        java.util.Set<String> ids = new java.util.TreeSet<>();
        list.get("data").forEach(m -> {
            ids.add(m.get("id").asText());
            assertEquals("model", m.get("object").asText());
        });
        assertEquals(java.util.Set.of(TinyModel.NAME, "expert-small-long"), ids);
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models/" + TinyModel.NAME))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void aChatCompletionCarriesTheModelsGreedyAnswerLogProbsAndUsage() throws Exception {
        String prompt = TinyModel.PROMPTS.get(0);
        TinyModel.Run expected = TinyModel.run(direct, prompt, List.of(), GenerationParams.greedy(20));
        HttpResponse<String> r = post("/chat/completions", "{\"model\": \"expert-small\", \"messages\": ["
                + chat(prompt, "") + "], \"max_tokens\": 20, \"temperature\": 0, \"logprobs\": true, \"top_logprobs\": 0}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode c = JSON.readTree(r.body());
        assertEquals("chat.completion", c.get("object").asText());
        assertTrue(c.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("assistant", c.at("/choices/0/message/role").asText());
        assertEquals(expected.generation().text(), c.at("/choices/0/message/content").asText());
        JsonNode content = c.at("/choices/0/logprobs/content");
        assertEquals(expected.tokens().size(), content.size());
        for (int i = 0; i < content.size(); i++) {
            Token t = expected.tokens().get(i);
            assertEquals(t.text(), content.get(i).get("token").asText());
            assertEquals(t.logProb(), (float) content.get(i).get("logprob").asDouble(), 1e-5);
            assertEquals(t.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length, content.get(i).get("bytes").size());
        }
        String finish = expected.generation().finishReason().name().toLowerCase();
        assertEquals(finish, c.at("/choices/0/finish_reason").asText());
        assertEquals(expected.generation().promptTokens(), c.at("/usage/prompt_tokens").asInt());
        assertEquals(expected.tokens().size(), c.at("/usage/completion_tokens").asInt());
        assertEquals(c.at("/usage/prompt_tokens").asInt() + c.at("/usage/completion_tokens").asInt(),
                c.at("/usage/total_tokens").asInt());
    }

    @Test
    void aStreamedCompletionIsFramedAsServerSentEventsWithUsageAndDone() throws Exception {
        String prompt = TinyModel.PROMPTS.get(1);
        TinyModel.Run expected = TinyModel.run(rawLong, prompt, List.of(), GenerationParams.greedy(12));
        HttpResponse<String> r = post("/completions", "{\"model\": \"expert-small-long\", \"prompt\": "
                + JSON.writeValueAsString(prompt) + ", \"max_tokens\": 12, \"temperature\": 0, \"stream\": true, "
                + "\"stream_options\": {\"include_usage\": true}, \"logprobs\": 1}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> data = events(r.body());
        assertEquals("[DONE]", data.get(data.size() - 1));
        JsonNode usage = JSON.readTree(data.get(data.size() - 2));
        assertEquals(0, usage.get("choices").size());
        assertEquals(expected.generation().promptTokens(), usage.at("/usage/prompt_tokens").asInt());
        JsonNode end = JSON.readTree(data.get(data.size() - 3));
        assertEquals(expected.generation().finishReason().name().toLowerCase(), end.at("/choices/0/finish_reason")
                .asText());
        StringBuilder text = new StringBuilder();
        List<Double> logProbs = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 3)) {
            JsonNode chunk = JSON.readTree(d);
            assertEquals("text_completion", chunk.get("object").asText());
            assertTrue(chunk.has("usage") && chunk.get("usage").isNull(), "usage is null until the last chunk");
            assertEquals(text.length(), chunk.at("/choices/0/logprobs/text_offset/0").asInt());
            text.append(chunk.at("/choices/0/text").asText());
            chunk.at("/choices/0/logprobs/token_logprobs").forEach(v -> logProbs.add(v.asDouble()));
        }
        assertEquals(expected.generation().text(), text.toString());
        assertEquals(expected.tokens().size(), logProbs.size());
    }

    @Test
    void stopSequencesAreCutFromTheOutputAsOpenAiDoes() throws Exception {
        String prompt = TinyModel.PROMPTS.get(1);
        String full = TinyModel.run(rawLong, prompt, List.of(), GenerationParams.greedy(40)).generation().text();
        String stop = full.substring(20, 24);
        int at = full.indexOf(stop);
        assertTrue(at > 0, full);
        for (boolean stream : List.of(false, true)) {
            HttpResponse<String> r = post("/completions", "{\"model\": \"expert-small-long\", \"prompt\": "
                    + JSON.writeValueAsString(prompt) + ", \"max_tokens\": 40, \"temperature\": 0, \"stop\": ["
                    + JSON.writeValueAsString(stop) + "], \"stream\": " + stream + "}");
            assertEquals(200, r.statusCode(), r.body());
            String text;
            String finish;
            if (stream) {
                List<String> data = events(r.body());
                StringBuilder sb = new StringBuilder();
                for (String d : data.subList(0, data.size() - 1)) {
                    sb.append(JSON.readTree(d).at("/choices/0/text").asText());
                }
                text = sb.toString();
                finish = JSON.readTree(data.get(data.size() - 2)).at("/choices/0/finish_reason").asText();
            } else {
                JsonNode c = JSON.readTree(r.body());
                text = c.at("/choices/0/text").asText();
                finish = c.at("/choices/0/finish_reason").asText();
            }
            assertEquals(full.substring(0, at), text, "streamed: " + stream);
            assertEquals("stop", finish);
        }
        assertEquals(0, server.stats().openSessions());
    }

    @Test
    void badRequestsGetOpenAiStyleErrorsNamingTheField() throws Exception {
        record Case(String path, String body, int status, String param, String says) {}
        String msg = chat("hi", "");
        List<Case> cases = List.of(
                new Case("/chat/completions", "{not json", 400, null, "not valid JSON"),
                new Case("/chat/completions", "{\"messages\": [" + msg + "]}", 400, "model", "model is required"),
                new Case("/chat/completions", "{\"model\": \"gpt-4\", \"messages\": [" + msg + "]}", 404, "model",
                        "does not exist"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": []}", 400, "messages",
                        "non-empty array"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": [{\"role\": \"system\", "
                        + "\"content\": \"be brief\"}, " + msg + "]}", 400, "messages", "got roles [system, user]"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": [" + msg
                        + "], \"temperature\": 3}", 400, "temperature", "[0.0, 2.0]"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": [" + msg + "], \"n\": 2}",
                        400, "n", "not supported"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": [" + msg
                        + "], \"logprobs\": true, \"top_logprobs\": 5}", 400, "top_logprobs", "not supported"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": [" + msg
                        + "], \"max_tokens\": 0}", 400, "max_tokens", ">= 1"),
                new Case("/chat/completions", "{\"model\": \"expert-small\", \"messages\": [" + msg
                        + "], \"stream_options\": {\"include_usage\": true}}", 400, "stream_options", "stream is true"),
                new Case("/completions", "{\"model\": \"expert-small\", \"prompt\": [\"a\", \"b\"]}", 400, "prompt",
                        "batches"),
                new Case("/completions", "{\"model\": \"expert-small\", \"prompt\": \"a\", \"stop\": 5}", 400, "stop",
                        "string or an array"),
                new Case("/completions", "{\"model\": \"expert-small\", \"prompt\": \""
                        + "word ".repeat(700) + "\"}", 400, "prompt", "context"),
                new Case("/embeddings", "{}", 404, null, "no route POST /v1/embeddings"));
        for (Case c : cases) {
            HttpResponse<String> r = post(c.path(), c.body());
            assertEquals(c.status(), r.statusCode(), c + " -> " + r.body());
            JsonNode e = JSON.readTree(r.body()).get("error");
            assertTrue(e.get("message").asText().contains(c.says()), c + " -> " + r.body());
            assertEquals(c.param(), e.get("param").isNull() ? null : e.get("param").asText(), r.body());
            assertTrue(e.get("type").isTextual());
        }
        JsonNode tooLong = JSON.readTree(post("/completions", cases.get(12).body()).body()).get("error");
        assertEquals("context_length_exceeded", tooLong.get("code").asText());
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/completions"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }
}
