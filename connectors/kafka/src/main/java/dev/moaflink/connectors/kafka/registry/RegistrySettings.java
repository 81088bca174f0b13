package dev.moaflink.connectors.kafka.registry;

import java.io.Serializable;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a Confluent-compatible schema registry is (Confluent Schema Registry, Apicurio Registry's {@code ccompat}
 * API, Karapace) and how to log in, read from the Kafka client properties under the names Confluent's serializers
 * use:
 * <ul>
 *   <li>{@code schema.registry.url}: one URL or several, comma-separated (tried in order);</li>
 *   <li>{@code basic.auth.credentials.source}: {@code USER_INFO} (default) or {@code URL} (user info in the URL);</li>
 *   <li>{@code basic.auth.user.info} (or {@code schema.registry.basic.auth.user.info}): {@code user:password};</li>
 *   <li>{@code auto.register.schemas}: register the job's schemas for the topics it writes (default true), or only
 *       look them up.</li>
 * </ul>
 * The credentials never appear in {@link #toString()}.
 */
public record RegistrySettings(List<String> urls, String userInfo, boolean autoRegister) implements Serializable {

    public static final String URL = "schema.registry.url";
    public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String USER_INFO = "basic.auth.user.info";
    public static final String AUTO_REGISTER = "auto.register.schemas";

    public RegistrySettings {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException("a schema registry URL is required (" + URL + ")");
        }
        for (String u : urls) {
            URI uri;
            try {
                uri = URI.create(u);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(URL + ": not a URL: " + redact(u));
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException(URL + " must be http:// or https://, got " + redact(u));
            }
        }
        urls = List.copyOf(urls);
    }

    /** True for client properties that configure the registry rather than the Kafka clients. */
    public static boolean isRegistryProperty(String name) {
        return name.startsWith("schema.registry.") || name.startsWith("basic.auth.") || name.equals(AUTO_REGISTER);
    }

    /**
     * The registry settings among Kafka client properties.
     *
     * @throws IllegalArgumentException when {@code schema.registry.url} is missing or a setting is invalid
     */
    public static RegistrySettings from(Map<String, String> properties) {
        String urls = properties.get(URL);
        if (urls == null || urls.isBlank()) {
            throw new IllegalArgumentException("registry-avro needs " + URL + " among the Kafka client properties "
                    + "(kafka.properties, kafka.properties_file or MOA_KAFKA_SCHEMA_REGISTRY_URL)");
        }
        List<String> list = Arrays.stream(urls.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s).toList();
        String source = properties.getOrDefault(CREDENTIALS_SOURCE, "USER_INFO").strip().toUpperCase(Locale.ROOT);
        String userInfo = switch (source) {
            case "USER_INFO" -> properties.getOrDefault(USER_INFO, properties.get("schema.registry." + USER_INFO));
            case "URL" -> URI.create(list.get(0)).getUserInfo();
            default -> throw new IllegalArgumentException(CREDENTIALS_SOURCE + " must be USER_INFO or URL, got " + source);
        };
        String auto = properties.getOrDefault(AUTO_REGISTER, "true").strip();
        if (!auto.equalsIgnoreCase("true") && !auto.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(AUTO_REGISTER + " must be true or false, got " + auto);
        }
        return new RegistrySettings(list, userInfo == null || userInfo.isBlank() ? null : userInfo,
                Boolean.parseBoolean(auto));
    }

    @Override
    public String toString() {
        return "RegistrySettings[urls=" + urls.stream().map(RegistrySettings::redact).toList()
                + ", credentials=" + (userInfo == null ? "none" : "set") + ", autoRegister=" + autoRegister + "]";
    }

    /** The URL without any user info in it. */
    static String redact(String url) {
        int scheme = url.indexOf("://");
        int at = url.indexOf('@');
        return scheme >= 0 && at > scheme ? url.substring(0, scheme + 3) + "***@" + url.substring(at + 1) : url;
    }
}
