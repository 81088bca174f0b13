package dev.moaflink.openai.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server over engines of the SPI: {@code GET /v1/models}, {@code POST
 * /v1/chat/completions} and {@code POST /v1/completions}, streamed (Server-Sent Events) or not, with the chosen
 * tokens' log-probs, usage, stop sequences, max_tokens, temperature, top_p and seed. It lets the project's own
 * engines (the bundled models on DJL, or the simulated engine) stand where vLLM or SGLang would, so that the
 * {@code openai} backend is tested against a real server, and lets other tools talk to the bundled models.
 *
 * <p>Each request is one engine session: the prompt is opened and generated at once. Chat messages are wrapped in
 * the model's chat format here ({@link ChatTemplate}); completion prompts go to the engine as they are. A prompt the
 * engine refuses (over its context or KV budget) is a 400 with OpenAI's {@code context_length_exceeded} code; an
 * engine error before the first token is a 500 (clients retry those), after it an {@code error} event ends the
 * stream. A client that goes away mid-stream is noticed at the next write, and its session is cancelled.
 *
 * <p>There is no prefix cache across requests (the SPI has none): a warm-up request costs this server a prefill and
 * saves the next request nothing. Only the chosen token's log-prob is returned ({@code top_logprobs} 0 and
 * completions {@code logprobs} at most 1).
 */
public final class OpenAiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_BODY_BYTES = 16 << 20;

    /** A model the server offers: its name in requests, its engine and how chat messages are wrapped for it. */
    record ServedModel(String name, LlmEngine engine, ChatTemplate template) {}

    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final byte[] apiKey;
    private final HttpServer http;
    private final ExecutorService executor;
    private final List<AutoCloseable> owned;
    private final ServerStats stats = new ServerStats();
    private final long created = System.currentTimeMillis() / 1000;

    /**
     * Starts serving at once.
     *
     * @param apiKey  the key clients must send as {@code Authorization: Bearer}, or null to accept any request
     * @param owned   closed with the server after it stopped (engine leases)
     */
    OpenAiServer(List<ServedModel> served, String apiKey, InetSocketAddress address, int threads,
                 List<AutoCloseable> owned) throws IOException {
        served.forEach(m -> models.put(m.name(), m));
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.owned = List.copyOf(owned);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "openai-server-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpServer.create(address, 0);
        http.createContext("/", this::handle);
        http.setExecutor(executor);
        http.start();
        LOG.info("OpenAI-compatible server on {} serving {}{}", baseUrl(), models.keySet(),
                apiKey == null ? "" : " (API key required)");
    }

    /**
     * Starts a server from command-line arguments (see {@link ServerArgs#USAGE}): loads the models through the
     * engine registry and serves them.
     *
     * @throws IllegalArgumentException for a bad argument or engine option, naming it
     */
    public static OpenAiServer launch(String... args) throws IOException {
        ServerArgs a = ServerArgs.parse(args);
        String key = null;
        if (a.apiKeyEnv() != null) {
            key = System.getenv(a.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("--api-key-env: environment variable " + a.apiKeyEnv()
                        + " is not set");
            }
        }
        List<ServedModel> served = new ArrayList<>();
        List<AutoCloseable> leases = new ArrayList<>();
        try {
            for (Map.Entry<String, String> m : a.models().entrySet()) {
                Map<String, String> options = new LinkedHashMap<>(a.options());
                ChatTemplate template = ChatTemplate.NONE;
                if (a.backend().equals("djl")) {
                    options.put("path", m.getValue());
                    options.put("chat_template", "none");
                    template = a.chatTemplate().equals("auto") ? ChatTemplate.declaredBy(m.getValue())
                            : a.chatTemplate().equals("none") ? ChatTemplate.NONE : ChatTemplate.family(a.chatTemplate());
                } else if (!a.chatTemplate().equals("auto") && !a.chatTemplate().equals("none")) {
                    template = ChatTemplate.family(a.chatTemplate());
                }
                EngineRegistry.Lease lease = EngineRegistry.global().acquire(new EngineSpec(a.backend(), m.getKey(),
                        options));
                leases.add(lease);
                served.add(new ServedModel(m.getKey(), lease.engine(), template));
            }
            return new OpenAiServer(served, key, new InetSocketAddress(a.host(), a.port()), a.threads(), leases);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable l : leases) {
                closeQuietly(l);
            }
            throw e;
        }
    }

    /** Serves until the process is stopped (Ctrl-C, SIGTERM). */
    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(ServerArgs.USAGE);
            return;
        }
        OpenAiServer server;
        try {
            server = launch(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(ServerArgs.USAGE);
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "openai-server-shutdown"));
        System.out.println("serving " + server.models.keySet() + " at " + server.baseUrl());
        stopped.await();
    }

    /** The port the server listens on (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The API root clients use as their base URL, e.g. {@code http://127.0.0.1:8000/v1}. */
    public URI baseUrl() {
        return URI.create("http://" + http.getAddress().getHostString() + ":" + port() + "/v1");
    }

    public ServerStats stats() {
        return stats;
    }

    /** Stops accepting requests, cancels the ones running (their threads are interrupted) and releases the models. */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        for (AutoCloseable c : owned) {
            closeQuietly(c);
        }
        LOG.info("OpenAI-compatible server on port {} stopped", port());
    }

    // ------------------------------------------------------------------ routing

    private void handle(HttpExchange ex) {
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

    private ServedModel served(String name) throws ApiError {
        ServedModel m = models.get(name);
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
        ServedModel model = served(req.model());
        String prompt = chat ? model.template().render(req.text()) : req.text();
        stats.accepted(new ServerStats.Received(chat ? "chat" : "completions", model.name(), req.stream(),
                req.params().maxTokens(), prompt.length()));
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID();
        EngineSession session;
        try {
            session = model.engine().open(new SessionRequest(id, prompt, PromptContext.freeText(id),
                    SessionRequest.Role.PROPOSER));
        } catch (RequestRefusedException e) {
            throw ApiError.contextLength(chat ? "messages" : "prompt", e.getMessage());
        } catch (RuntimeException e) {
            throw new ApiError(503, "server_error", null, null, "the engine cannot take the request: " + e.getMessage());
        }
        stats.sessionOpened();
        try {
            BlockingQueue<Object> events = new LinkedBlockingQueue<>();
            CompletableFuture<Generation> done = session.generate(req.params(), events::add);
            done.whenComplete((g, err) -> events.add(g != null ? g
                    : Generation.failed("the engine failed: " + err, 0, PhaseTimings.ZERO)));
            Object first = events.take();
            if (first instanceof Generation g && g.finishReason() == FinishReason.REFUSED) {
                throw ApiError.contextLength(chat ? "messages" : "prompt", g.error());
            }
            if (first instanceof Generation g && g.finishReason() != FinishReason.STOP
                    && g.finishReason() != FinishReason.LENGTH) {
                throw new ApiError(500, "server_error", null, null, "the engine failed: " + g.error());
            }
            Reply reply = new Reply(chat, id, model.name(), req);
            if (req.stream()) {
                stream(ex, session, events, first, reply);
            } else {
                collect(ex, session, events, first, reply);
            }
        } finally {
            session.close();
            stats.sessionClosed();
        }
    }

    /** Sends the generation as Server-Sent Events while it runs. */
    private void stream(HttpExchange ex, EngineSession session, BlockingQueue<Object> events, Object first,
                        Reply reply) throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            if (reply.chat) {
                send(out, reply.chunk(List.of(), null, true));
            }
            Outcome o = run(session, events, first, reply.req.params().stop(), pieces -> {
                if (!pieces.isEmpty()) {
                    send(out, reply.chunk(pieces, null, false));
                }
            });
            if (o.error != null) {
                send(out, new ApiError(500, "server_error", null, null, o.error).toJson());
                return; // no [DONE]: the stream broke off
            }
            send(out, reply.chunk(List.of(), o.finishReason, false));
            if (reply.req.includeUsage()) {
                send(out, reply.usageChunk(o));
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            session.cancel();
            stats.clientGone();
            LOG.debug("client of {} went away: {}", reply.id, e.toString());
        }
    }

    /** Waits for the whole generation and sends it as one JSON object. */
    private void collect(HttpExchange ex, EngineSession session, BlockingQueue<Object> events, Object first,
                         Reply reply) throws ApiError, IOException, InterruptedException {
        List<StopScanner.Piece> all = new ArrayList<>();
        Outcome o = run(session, events, first, reply.req.params().stop(), all::addAll);
        if (o.error != null) {
            throw new ApiError(500, "server_error", null, null, o.error);
        }
        respond(ex, 200, reply.whole(all, o));
    }

    /** The end of a generation as the client sees it. */
    private record Outcome(String finishReason, int promptTokens, int completionTokens, String error) {}

    @FunctionalInterface
    private interface PieceSink {
        void accept(List<StopScanner.Piece> pieces) throws IOException;
    }

    /**
     * Feeds the engine's tokens through the request's stop sequences to {@code sink} until the generation ends: at a
     * stop sequence the session is cancelled and the rest of its output dropped.
     */
    private static Outcome run(EngineSession session, BlockingQueue<Object> events, Object first, List<String> stop,
                               PieceSink sink) throws IOException, InterruptedException {
        StopScanner stops = new StopScanner(stop);
        int tokens = 0;
        Object item = first;
        while (item instanceof Token t) {
            tokens++;
            sink.accept(stops.offer(t.text(), t.logProb()));
            if (stops.stopped()) {
                session.cancel();
                Generation g = awaitEnd(events);
                return new Outcome("stop", g.promptTokens(), tokens, null);
            }
            item = events.take();
        }
        Generation g = (Generation) item;
        sink.accept(stops.flush());
        return switch (g.finishReason()) {
            case STOP -> new Outcome("stop", g.promptTokens(), tokens, null);
            case LENGTH -> new Outcome("length", g.promptTokens(), tokens, null);
            case CANCELLED -> new Outcome(null, g.promptTokens(), tokens, "the engine cancelled the generation");
            case ERROR, REFUSED -> new Outcome(null, g.promptTokens(), tokens, "the engine failed: " + g.error());
        };
    }

    private static Generation awaitEnd(BlockingQueue<Object> events) throws InterruptedException {
        while (true) {
            if (events.take() instanceof Generation g) {
                return g;
            }
        }
    }

    /** Writes the JSON objects of one response in the format of its endpoint. */
    private static final class Reply {
        final boolean chat;
        final String id;
        final String model;
        final CompletionRequest req;
        /** Characters of output sent so far (completions' text_offset). */
        int offset;

        Reply(boolean chat, String id, String model, CompletionRequest req) {
            this.chat = chat;
            this.id = id;
            this.model = model;
            this.req = req;
        }

        private ObjectNode head(boolean streamed) {
            return NODES.objectNode().put("id", id)
                    .put("object", chat ? streamed ? "chat.completion.chunk" : "chat.completion" : "text_completion")
                    .put("created", System.currentTimeMillis() / 1000).put("model", model);
        }

        /** A streamed chunk: tokens, or (with a finish reason) the end, or (with {@code role}) the chat opening. */
        ObjectNode chunk(List<StopScanner.Piece> pieces, String finishReason, boolean role) {
            ObjectNode c = head(true);
            ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
            String text = text(pieces);
            if (chat) {
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

        /** The last streamed chunk when usage was asked for: no choices, the token counts. */
        ObjectNode usageChunk(Outcome o) {
            ObjectNode c = head(true);
            c.putArray("choices");
            c.set("usage", usage(o));
            return c;
        }

        /** A non-streamed response. */
        ObjectNode whole(List<StopScanner.Piece> pieces, Outcome o) {
            ObjectNode c = head(false);
            ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", text(pieces));
            } else {
                choice.put("text", text(pieces));
            }
            logprobs(choice, pieces, true);
            choice.put("finish_reason", o.finishReason);
            c.set("usage", usage(o));
            return c;
        }

        private void logprobs(ObjectNode choice, List<StopScanner.Piece> pieces, boolean carriesTokens) {
            if (!req.logprobs() || !carriesTokens) {
                choice.putNull("logprobs");
                return;
            }
            if (chat) {
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

        private ObjectNode usage(Outcome o) {
            return NODES.objectNode().put("prompt_tokens", o.promptTokens)
                    .put("completion_tokens", o.completionTokens)
                    .put("total_tokens", o.promptTokens + o.completionTokens);
        }
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
        out.write(("data: " + JSON.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
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

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", c, e);
        }
    }
}
