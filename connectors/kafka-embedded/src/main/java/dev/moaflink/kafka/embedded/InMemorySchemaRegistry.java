package dev.moaflink.kafka.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of the Confluent Schema Registry REST API that Avro serializers use, in memory, on a local port: a schema
 * by id, registering a schema under a subject, looking one up, listing subjects. Requests and answers (bodies and
 * error codes: 40401 subject not found, 40403 schema not found, 401 unauthorized) follow Confluent's API reference,
 * which Apicurio's {@code ccompat} API and Karapace also implement.
 *
 * <p>For tests and local runs where no registry can be started (it keeps no compatibility rules and nothing survives
 * {@link #close()}): schemas are told apart by their text with whitespace outside strings removed, not by
 * Avro's canonical form. {@link #unavailable(boolean)} makes every call answer 503, as a registry that is down.
 */
public final class InMemorySchemaRegistry implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
    private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern SUBJECT = Pattern.compile("/subjects/([^/]+)");

    private record Stored(int id, String schema, String type) {}

    private final HttpServer server;
    private final String userInfo;
    private final String basePath;
    private final Map<Integer, Stored> byId = new LinkedHashMap<>();
    private final Map<String, List<Integer>> subjects = new LinkedHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean unavailable;

    private InMemorySchemaRegistry(String userInfo, String basePath) throws IOException {
        this.userInfo = userInfo;
        this.basePath = basePath;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(basePath.isEmpty() ? "/" : basePath, this::handle);
        server.start();
    }

    /** A registry open to anyone. */
    public static InMemorySchemaRegistry start() {
        return start(null);
    }

    /** A registry that wants HTTP basic authentication with {@code user:password} (null: none). */
    public static InMemorySchemaRegistry start(String userInfo) {
        return start(userInfo, "");
    }

    /**
     * A registry whose API lives under {@code basePath}, as Apicurio's Confluent-compatible one does under
     * {@code /apis/ccompat/v7}; {@link #url()} includes it.
     */
    public static InMemorySchemaRegistry start(String userInfo, String basePath) {
        try {
            return new InMemorySchemaRegistry(userInfo, basePath);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a local port for the schema registry", e);
        }
    }

    /** Its base URL, e.g. {@code http://127.0.0.1:43121}, for {@code schema.registry.url}. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + basePath;
    }

    /** Registers a schema under a subject as a producer's serializer would; returns its id. */
    public synchronized int register(String subject, String schema, String type) {
        String key = compact(schema);
        Stored same = byId.values().stream().filter(s -> s.type.equals(type) && compact(s.schema).equals(key))
                .findFirst().orElse(null);
        int id = same != null ? same.id : byId.size() + 1;
        if (same == null) {
            byId.put(id, new Stored(id, schema, type));
        }
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    /** Registers an Avro schema. */
    public int register(String subject, String avroSchema) {
        return register(subject, avroSchema, "AVRO");
    }

    /** The subjects and their schema ids in registration order. */
    public synchronized Map<String, List<Integer>> subjects() {
        Map<String, List<Integer>> copy = new LinkedHashMap<>();
        subjects.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    /** The schema text registered with this id, or null. */
    public synchronized String schema(int id) {
        Stored s = byId.get(id);
        return s == null ? null : s.schema;
    }

    /** Requests served so far (answered or refused), e.g. to check that a client caches. */
    public int requests() {
        return requests.get();
    }

    /** While true, every request is answered 503, as by a registry that is down. */
    public void unavailable(boolean down) {
        this.unavailable = down;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            if (unavailable) {
                reply(ex, 503, error(50003, "Error while forwarding the request to the leader"));
                return;
            }
            if (userInfo != null && !("Basic " + Base64.getEncoder().encodeToString(
                    userInfo.getBytes(StandardCharsets.UTF_8))).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                reply(ex, 401, error(40101, "Unauthorized"));
                return;
            }
            String path = ex.getRequestURI().getRawPath().substring(basePath.length());
            String method = ex.getRequestMethod();
            Matcher m;
            if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
                schemaById(ex, Integer.parseInt(m.group(1)));
            } else if (method.equals("POST") && (m = VERSIONS.matcher(path)).matches()) {
                JsonNode body = JSON.readTree(ex.getRequestBody());
                int id = register(decode(m.group(1)), body.path("schema").asText(), body.path("schemaType").asText("AVRO"));
                reply(ex, 200, JSON.createObjectNode().put("id", id));
            } else if (method.equals("POST") && (m = SUBJECT.matcher(path)).matches()) {
                lookup(ex, decode(m.group(1)), JSON.readTree(ex.getRequestBody()));
            } else if (method.equals("GET") && path.equals("/subjects")) {
                reply(ex, 200, JSON.valueToTree(subjects().keySet()));
            } else {
                reply(ex, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (RuntimeException e) {
            reply(ex, 500, error(50001, "Error in the backend data store: " + e));
        }
    }

    private synchronized void schemaById(HttpExchange ex, int id) throws IOException {
        Stored s = byId.get(id);
        if (s == null) {
            reply(ex, 404, error(40403, "Schema " + id + " not found"));
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("schema", s.schema);
        if (!s.type.equals("AVRO")) {
            body.put("schemaType", s.type); // Confluent leaves it out for Avro
        }
        reply(ex, 200, body);
    }

    private synchronized void lookup(HttpExchange ex, String subject, JsonNode body) throws IOException {
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            reply(ex, 404, error(40401, "Subject '" + subject + "' not found."));
            return;
        }
        String key = compact(body.path("schema").asText());
        for (int v = 0; v < versions.size(); v++) {
            Stored s = byId.get(versions.get(v));
            if (compact(s.schema).equals(key)) {
                reply(ex, 200, JSON.createObjectNode().put("subject", subject).put("id", s.id)
                        .put("version", v + 1).put("schema", s.schema));
                return;
            }
        }
        reply(ex, 404, error(40403, "Schema not found"));
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The schema text without whitespace outside string literals. */
    private static String compact(String schema) {
        try {
            return JSON.writeValueAsString(JSON.readTree(schema));
        } catch (IOException e) {
            return schema.strip();
        }
    }
}
