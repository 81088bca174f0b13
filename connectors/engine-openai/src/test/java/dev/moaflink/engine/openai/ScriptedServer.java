package dev.moaflink.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP server on the loopback interface that answers each request with a scripted handler: failures, stalls
 * and canned OpenAI streams the real server would not produce on demand. It records every request.
 */
final class ScriptedServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the server got it. */
    record Request(int index, String path, JsonNode body, String authorization, long arrivedNanos) {
        boolean warmup() {
            return !body.path("stream").asBoolean(false) && body.path("max_tokens").asInt() == 1;
        }
    }

    @FunctionalInterface
    interface Handler {
        void handle(Request request, HttpExchange exchange) throws Exception;
    }

    private final HttpServer http;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger count = new AtomicInteger();

    ScriptedServer(Handler handler) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-server");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/", ex -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                byte[] raw = ex.getRequestBody().readAllBytes();
                Request r = new Request(count.getAndIncrement(), ex.getRequestURI().getPath(),
                        JSON.readTree(raw.length == 0 ? "{}".getBytes() : raw),
                        ex.getRequestHeaders().getFirst("Authorization"), System.nanoTime());
                requests.add(r);
                handler.handle(r, ex);
            } catch (IOException e) {
                // the client went away
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                inFlight.decrementAndGet();
                ex.close();
            }
        });
        http.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    /** An engine of the {@code openai} backend on this server. */
    LlmEngine engine(Map<String, String> options) {
        Map<String, String> o = new HashMap<>(Map.of("base_url", baseUrl(), "retry_backoff_ms", "10"));
        o.putAll(options);
        return new OpenAiEngineFactory(name -> null).create(new EngineSpec("openai", "scripted", o));
    }

    @Override
    public void close() {
        http.stop(0);
    }

    // ------------------------------------------------------------------ canned answers

    static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static void error(HttpExchange ex, int status, String message) throws IOException {
        ObjectNode e = JSON.createObjectNode();
        e.putObject("error").put("message", message).put("type", "invalid_request_error");
        json(ex, status, e.toString());
    }

    /** Starts an event stream; write events with {@link #event}. */
    static OutputStream startStream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A chat chunk carrying {@code tokens} (with log-probs) and, when not null, a finish reason. */
    static String chatChunk(List<String> tokens, List<Double> logProbs, String finish) {
        ObjectNode c = JSON.createObjectNode().put("object", "chat.completion.chunk");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta").put("content", String.join("", tokens));
        ArrayNode content = choice.putObject("logprobs").putArray("content");
        for (int i = 0; i < tokens.size(); i++) {
            content.addObject().put("token", tokens.get(i)).put("logprob", logProbs.get(i));
        }
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c.toString();
    }

    static String usage(int prompt, int completion) {
        return usage(prompt, completion, -1);
    }

    /** Usage with {@code prompt_tokens_details.cached_tokens} (vLLM's prefix cache hits) unless it is negative. */
    static String usage(int prompt, int completion, int cached) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("choices");
        ObjectNode u = c.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
        if (cached >= 0) {
            u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        }
        return c.toString();
    }

    /** A whole chat stream: one token per chunk, then the finish reason, the usage and [DONE]. */
    static void chatStream(HttpExchange ex, List<String> tokens, String finish) throws IOException {
        chatStream(ex, tokens, finish, -1);
    }

    /** A whole chat stream whose usage says {@code cached} prompt tokens came from the prefix cache (unless < 0). */
    static void chatStream(HttpExchange ex, List<String> tokens, String finish, int cached) throws IOException {
        OutputStream out = startStream(ex);
        for (int i = 0; i < tokens.size(); i++) {
            event(out, chatChunk(List.of(tokens.get(i)), List.of(-0.5 * (i + 1)), null));
        }
        event(out, chatChunk(List.of(), List.of(), finish));
        event(out, usage(7, tokens.size(), cached));
        event(out, "[DONE]");
    }
}
