package dev.moaflink.job.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The configuration a job runs with, as the flat dotted keys its files and flags use ({@code mechanisms.overlap}),
 * for Flink's web UI and REST API (the job's global parameters). Unset keys are left out; Kafka client property values
 * and anything that looks like a credential are redacted, so that the map can be shown to whoever sees the job.
 */
public final class EffectiveConfig {

    public static final String REDACTED = "******";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    private static final Pattern SECRET = Pattern.compile(
            "(?i).*(password|secret|jaas|credential|token|api_key$|apikey|basic\\.auth|ssl\\.key|keystore\\.key).*");

    private EffectiveConfig() {}

    public static Map<String, String> of(JobConfig config) {
        Map<String, String> out = new TreeMap<>();
        flatten("", JSON.valueToTree(config), out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix + e.getKey() + ".", e.getValue(), out);
            }
            return;
        }
        if (node.isNull() || node.isMissingNode()) {
            return;
        }
        String key = prefix.substring(0, prefix.length() - 1);
        String value = node.isValueNode() ? node.asText() : node.toString();
        out.put(key, redacted(key) ? REDACTED : value);
    }

    /** Kafka client properties may hold credentials in any property; elsewhere the key's name tells. */
    private static boolean redacted(String key) {
        return key.startsWith("kafka.properties.") || SECRET.matcher(key).matches();
    }
}
