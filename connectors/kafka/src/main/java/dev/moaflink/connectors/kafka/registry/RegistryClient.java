package dev.moaflink.connectors.kafka.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * The few calls of the Confluent Schema Registry REST API that reading and writing framed Avro needs: a schema by
 * its id, and registering or looking up a schema under a subject. Each URL of the settings is tried in turn; an
 * unreachable registry or a server error is retried with backoff before it is reported.
 */
public final class RegistryClient {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long[] BACKOFF_MS = {100, 500, 2_000};

    private final RegistrySettings settings;
    private final HttpClient http;

    public RegistryClient(RegistrySettings settings) {
        this.settings = settings;
        // HTTP/1.1: the default would try an HTTP/2 upgrade on plain http://, which some proxies handle badly.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    /** A schema the registry holds, as it returned it. {@code type} is AVRO unless the registry says otherwise. */
    public record RegisteredSchema(int id, String schema, String type, boolean hasReferences) {}

    /** {@code GET /schemas/ids/{id}}. */
    public RegisteredSchema schemaById(int id) throws RegistryException {
        JsonNode body = call("GET", "/schemas/ids/" + id, null);
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new RegistryException(200, 0, "registry answer for schema id " + id + " has no schema", null);
        }
        JsonNode refs = body.get("references");
        return new RegisteredSchema(id, schema.asText(), body.path("schemaType").asText("AVRO"),
                refs != null && refs.isArray() && !refs.isEmpty());
    }

    /** {@code GET /subjects}: checks that the registry answers and accepts the credentials. */
    public void ping() throws RegistryException {
        call("GET", "/subjects", null);
    }

    /** {@code POST /subjects/{subject}/versions}: the schema's id, registering it if the subject lacks it. */
    public int register(String subject, String avroSchema) throws RegistryException {
        return id(call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(avroSchema)), subject);
    }

    /** {@code POST /subjects/{subject}}: the id of a schema already registered under the subject. */
    public int lookup(String subject, String avroSchema) throws RegistryException {
        return id(call("POST", "/subjects/" + encode(subject), schemaBody(avroSchema)), subject);
    }

    private static int id(JsonNode body, String subject) throws RegistryException {
        JsonNode id = body.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new RegistryException(200, 0, "registry answer for subject " + subject + " has no schema id", null);
        }
        return id.asInt();
    }

    private static String schemaBody(String avroSchema) {
        try {
            return JSON.writeValueAsString(Map.of("schema", avroSchema));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String method, String path, String body) throws RegistryException {
        RegistryException last = null;
        for (int attempt = 0; attempt <= BACKOFF_MS.length; attempt++) {
            if (attempt > 0) {
                sleep(BACKOFF_MS[attempt - 1]);
            }
            for (String url : settings.urls()) {
                try {
                    return once(url, method, path, body);
                } catch (RegistryException e) {
                    if (!e.transientFailure()) {
                        throw e;
                    }
                    last = e;
                }
            }
        }
        throw last;
    }

    private JsonNode once(String url, String method, String path, String body) throws RegistryException {
        URI base = URI.create(url);
        String where = RegistrySettings.redact(url) + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(userInfoStripped(base).resolve(
                        (base.getRawPath() == null ? "" : base.getRawPath()) + path))
                .timeout(TIMEOUT)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (settings.userInfo() != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    settings.userInfo().getBytes(StandardCharsets.UTF_8)));
        }
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RegistryException(0, 0, "schema registry " + where + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(0, 0, "interrupted while calling schema registry " + where, e);
        }
        JsonNode json;
        try {
            json = response.body() == null || response.body().isBlank() ? JSON.createObjectNode()
                    : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new RegistryException(response.statusCode(), 0, "schema registry " + where + " answered HTTP "
                    + response.statusCode() + " with a body that is not JSON", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new RegistryException(response.statusCode(), json.path("error_code").asInt(0), "schema registry "
                    + where + " answered HTTP " + response.statusCode() + ": " + json.path("message").asText(""), null);
        }
        return json;
    }

    /** The URL without user info: credentials travel in the Authorization header only. */
    private static URI userInfoStripped(URI u) {
        return URI.create(u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "") + "/");
    }

    private static void sleep(long ms) throws RegistryException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(0, 0, "interrupted while waiting to retry the schema registry", e);
        }
    }
}
