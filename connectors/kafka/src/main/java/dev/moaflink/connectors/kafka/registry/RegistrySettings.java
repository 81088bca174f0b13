package dev.moaflink.connectors.kafka.registry;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
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
        urls.forEach(RegistrySettings::parse);
        urls = List.copyOf(urls);
    }

    /** The URL, checked: http or https with a host name; errors never show its user info. */
    static URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(URL + ": not a URL: " + redact(url));
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException(URL + " must be http:// or https://, got " + redact(url));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(URL + ": no valid host name in " + redact(url)
                    + " (host names may hold letters, digits, dots and hyphens, not underscores)");
        }
        return uri;
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
        if (list.isEmpty()) {
            throw new IllegalArgumentException(URL + " names no URL");
        }
        list.forEach(RegistrySettings::parse);
        String source = properties.getOrDefault(CREDENTIALS_SOURCE, "USER_INFO").strip().toUpperCase(Locale.ROOT);
        String userInfo = switch (source) {
            case "USER_INFO" -> properties.getOrDefault(USER_INFO, properties.get("schema.registry." + USER_INFO));
            case "URL" -> parse(list.get(0)).getUserInfo();
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

    /** The URL without any user info in it: everything up to its last {@code @} (which may over-redact, never under). */
    static String redact(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        return scheme >= 0 && at > scheme ? url.substring(0, scheme + 3) + "***@" + url.substring(at + 1) : "***";
    }
}
