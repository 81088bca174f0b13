package dev.moaflink.openai.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's HTTP side: checks the API key, routes {@code GET /v1/models[/NAME]}, {@code POST /v1/chat/completions}
 * and {@code POST /v1/completions}, reads completion requests and writes their replies, whole or as an event stream,
 * and answers every failure in OpenAI's error format.
 */
final class Router implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_BODY_BYTES = 16 << 20;

    private final Map<String, OpenAiServer.ServedModel> models;
    private final byte[] apiKey;
    private final ServerStats stats;
    private final long created = System.currentTimeMillis() / 1000;

    /** @param apiKey the key clients must send as {@code Authorization: Bearer}, or null to accept any request */
    Router(Map<String, OpenAiServer.ServedModel> models, String apiKey, ServerStats stats) {
        this.models = models;
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.stats = stats;
    }

    @Override
    public void handle(HttpExchange ex) {
        try {
            route(ex);
        } catch (ApiError e) {
            stats.reject();
            respond(ex, e.status(), e.toJson());
        } catch (IOException e) {
            LOG.debug("request {} {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
            respond(ex, 500, new ApiError(500, "server_error", null, null, "internal error: " + e).toJson());
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex) throws ApiError, IOException, InterruptedException {
        if (!authorized(ex)) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    "missing or wrong API key: send it as 'Authorization: Bearer <key>'");
        }
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath().replaceAll("/+$", "");
        switch (path) {
            case "/v1/models" -> {
                allow(method, "GET", path);
                ObjectNode list = NODES.objectNode().put("object", "list");
                ArrayNode data = list.putArray("data");
                models.keySet().forEach(name -> data.add(modelJson(name)));
                respond(ex, 200, list);
            }
            case "/v1/chat/completions" -> {
                allow(method, "POST", path);
                complete(ex, true);
            }
            case "/v1/completions" -> {
                allow(method, "POST", path);
                complete(ex, false);
            }
            default -> {
                String name = path.startsWith("/v1/models/") ? path.substring("/v1/models/".length()) : null;
                if (name != null && method.equals("GET")) {
                    respond(ex, 200, modelJson(served(name).name()));
                    return;
                }
                throw new ApiError(404, "invalid_request_error", null, "not_found", "no route " + method + " " + path
                        + " (this server has GET /v1/models, POST /v1/chat/completions, POST /v1/completions)");
            }
        }
    }

    /** Compares in constant time, so the key cannot be guessed byte by byte from response times. */
    private boolean authorized(HttpExchange ex) {
        if (apiKey == null) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(apiKey, header.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }

    private static void allow(String method, String allowed, String path) throws ApiError {
        if (!method.equals(allowed)) {
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", method + " " + path
                    + " is not allowed; use " + allowed);
        }
    }

    private OpenAiServer.ServedModel served(String name) throws ApiError {
        OpenAiServer.ServedModel m = models.get(name);
        if (m == null) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found", "the model '" + name
                    + "' does not exist; this server serves " + models.keySet());
        }
        return m;
    }

    private ObjectNode modelJson(String name) {
        return NODES.objectNode().put("id", name).put("object", "model").put("created", created)
                .put("owned_by", "moa-flink");
    }

    // ------------------------------------------------------------------ completions

    private void complete(HttpExchange ex, boolean chat) throws ApiError, IOException, InterruptedException {
        JsonNode body;
        try {
            body = JSON.readTree(readBody(ex));
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        CompletionRequest req = CompletionRequest.parse(body, chat);
        OpenAiServer.ServedModel model = served(req.model());
        String prompt = chat ? model.template().render(req.text()) : req.text();
        stats.accepted(new ServerStats.Received(chat ? "chat" : "completions", model.name(), req.stream(),
                req.params().maxTokens(), prompt.length()));
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID();
        try (SessionDriver session = SessionDriver.open(model.engine(), id, prompt, chat ? "messages" : "prompt",
                stats)) {
            session.generate(req.params());
            ReplyEncoder reply = new ReplyEncoder(id, model.name(), req);
            if (req.stream()) {
                stream(ex, session, req, reply, id);
            } else {
                collect(ex, session, req, reply);
            }
        }
    }

    /** Sends the generation as Server-Sent Events while it runs. */
    private void stream(HttpExchange ex, SessionDriver session, CompletionRequest req, ReplyEncoder reply, String id)
            throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            if (req.chat()) {
                send(out, reply.opening());
            }
            SessionDriver.Outcome o = session.run(req.params().stop(), pieces -> {
                if (!pieces.isEmpty()) {
                    send(out, reply.tokens(pieces));
                }
            });
            if (o.error() != null) {
                send(out, new ApiError(500, "server_error", null, null, o.error()).toJson());
                return; // no [DONE]: the stream broke off
            }
            send(out, reply.finish(o.finishReason()));
            if (req.includeUsage()) {
                send(out, reply.usageChunk(o));
            }
            out.write(ReplyEncoder.DONE);
            out.flush();
        } catch (IOException e) {
            session.cancel();
            stats.clientGone();
            LOG.debug("client of {} went away: {}", id, e.toString());
        }
    }

    /** Waits for the whole generation and sends it as one JSON object. */
    private static void collect(HttpExchange ex, SessionDriver session, CompletionRequest req, ReplyEncoder reply)
            throws ApiError, IOException, InterruptedException {
        List<StopScanner.Piece> all = new ArrayList<>();
        SessionDriver.Outcome o = session.run(req.params().stop(), all::addAll);
        if (o.error() != null) {
            throw new ApiError(500, "server_error", null, null, o.error());
        }
        respond(ex, 200, reply.whole(all, o));
    }

    // ------------------------------------------------------------------ I/O

    private static byte[] readBody(HttpExchange ex) throws IOException, ApiError {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new ApiError(413, "invalid_request_error", null, "request_too_large", "the request body is over "
                        + (MAX_BODY_BYTES >> 20) + " MiB");
            }
            return body;
        }
    }

    private static void send(OutputStream out, JsonNode event) throws IOException {
        out.write(ReplyEncoder.event(event));
        out.flush();
    }

    private static void respond(HttpExchange ex, int status, JsonNode body) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(body);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            LOG.debug("response {} not delivered: {}", status, e.toString());
        }
    }
}
