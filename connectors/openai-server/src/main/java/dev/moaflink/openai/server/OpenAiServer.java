package dev.moaflink.openai.server;

import com.sun.net.httpserver.HttpServer;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * <p>The server starts up here; {@link Router} answers HTTP requests, {@link SessionDriver} runs each one's engine
 * session and {@link ReplyEncoder} writes its reply in the endpoint's format.
 *
 * <p>There is no prefix cache across requests (the SPI has none): a warm-up request costs this server a prefill and
 * saves the next request nothing. Only the chosen token's log-prob is returned ({@code top_logprobs} 0 and
 * completions {@code logprobs} at most 1).
 */
public final class OpenAiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);

    /** A model the server offers: its name in requests, its engine and how chat messages are wrapped for it. */
    record ServedModel(String name, LlmEngine engine, ChatTemplate template) {}

    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final HttpServer http;
    private final ExecutorService executor;
    private final List<AutoCloseable> owned;
    private final ServerStats stats = new ServerStats();

    /**
     * Starts serving at once.
     *
     * @param apiKey  the key clients must send as {@code Authorization: Bearer}, or null to accept any request
     * @param owned   closed with the server after it stopped (engine leases)
     */
    OpenAiServer(List<ServedModel> served, String apiKey, InetSocketAddress address, int threads,
                 List<AutoCloseable> owned) throws IOException {
        served.forEach(m -> models.put(m.name(), m));
        this.owned = List.copyOf(owned);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "openai-server-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpServer.create(address, 0);
        http.createContext("/", new Router(Collections.unmodifiableMap(models), apiKey, stats));
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

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", c, e);
        }
    }
}
