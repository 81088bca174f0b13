package dev.moaflink.job.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the configuration: bundled defaults ({@code moa-defaults.yaml}), then an optional file
 * ({@code --config path}), then command-line overrides ({@code --some.key value}, values parsed as YAML
 * scalars). The file's {@code models} and {@code topologies}, when given, replace the defaults' (the other
 * sections merge key by key). Unknown keys and wrong types are errors.
 */
public final class ConfigLoader {

    public static final String DEFAULTS_RESOURCE = "/moa-defaults.yaml";

    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ConfigLoader() {}

    /** Parses {@code args} ({@code --config FILE} and {@code --key value} pairs) into a validated config. */
    public static JobConfig fromArgs(String... args) {
        Path file = null;
        String preset = null;
        List<String[]> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException("unexpected argument '" + arg + "'; expected --key value");
            }
            String key = arg.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq > 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new ConfigException("option --" + key + " needs a value");
            }
            if (key.equals("config")) {
                file = Path.of(value);
            } else if (key.equals("preset")) {
                preset = value;
            } else if (key.equals("placement")) {
                overrides.add(new String[] {"routing.placement", value});
            } else {
                if (key.startsWith("kafka.properties.") && (KafkaClientProperties.isSecret(key)
                        || value.matches("(?s).*://[^/]*@.*"))) {
                    throw new ConfigException("--" + key + ": credentials must not be passed on the command line (it "
                            + "lands in shell history, ps and the job's logs); put them in kafka.properties_file or "
                            + "the environment (" + KafkaClientProperties.FILE_ENV + ", "
                            + KafkaClientProperties.ENV_PREFIX + "<PROPERTY>)");
                }
                overrides.add(new String[] {key, value});
            }
        }
        return load(preset, file, overrides);
    }

    /** Loads defaults, then {@code file} (may be null), then overrides as (dotted key, value) pairs. */
    public static JobConfig load(Path file, List<String[]> overrides) {
        return load(null, file, overrides);
    }

    /**
     * Loads defaults, then a bundled preset (may be null: {@code --preset sim} swaps the bundled models for
     * simulated ones of the same names), then {@code file} (may be null), then overrides.
     */
    public static JobConfig load(String preset, Path file, List<String[]> overrides) {
        ObjectNode tree = readDefaults();
        if (preset != null) {
            merge(tree, readResource("/moa-preset-" + preset + ".yaml", "preset '" + preset + "' (known: sim, sim-reasoning)"));
        }
        if (file != null) {
            merge(tree, readFile(file));
        }
        for (String[] kv : overrides) {
            set(tree, kv[0], kv[1]);
        }
        JobConfig config = bind(tree);
        ConfigValidator.validate(config);
        return config;
    }

    private static ObjectNode readDefaults() {
        return readResource(DEFAULTS_RESOURCE, null);
    }

    private static ObjectNode readResource(String resource, String unknown) {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                if (unknown != null) {
                    throw new ConfigException("unknown " + unknown);
                }
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    private static ObjectNode readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file.toAbsolutePath() + " does not exist");
        }
        try {
            JsonNode node = YAML.readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) {
                return YAML.createObjectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException("config file " + file + " must hold a mapping at the top level");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage());
        }
    }

    private static void merge(ObjectNode base, ObjectNode over) {
        Iterator<Map.Entry<String, JsonNode>> it = over.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = base.get(e.getKey());
            boolean replaceWhole = e.getKey().equals("models") || e.getKey().equals("topologies");
            if (!replaceWhole && existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode vo) {
                merge(eo, vo);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void set(ObjectNode tree, String dottedKey, String value) {
        // Kafka client property names hold dots themselves (security.protocol): one key under kafka.properties.
        String properties = "kafka.properties.";
        String[] path = dottedKey.startsWith(properties) && dottedKey.length() > properties.length()
                ? new String[] {"kafka", "properties", dottedKey.substring(properties.length())}
                : dottedKey.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(path[i]);
            } else if (!child.isObject()) {
                throw new ConfigException("--" + dottedKey + ": '" + path[i] + "' is not a section");
            }
            node = (ObjectNode) child;
        }
        JsonNode parsed;
        try {
            parsed = YAML.readTree(value);
        } catch (IOException e) {
            throw new ConfigException("--" + dottedKey + ": cannot parse value '" + value + "'");
        }
        node.set(path[path.length - 1], parsed == null || parsed.isMissingNode() ? YAML.getNodeFactory().textNode(value)
                : parsed);
    }

    private static JobConfig bind(ObjectNode tree) {
        try {
            return YAML.treeToValue(tree, JobConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("unknown configuration key '" + pathOf(e) + "'; known keys here: "
                    + e.getKnownPropertyIds());
        } catch (MismatchedInputException e) {
            throw new ConfigException("configuration key '" + pathOf(e) + "': " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("invalid configuration: " + e.getMessage());
        }
    }

    private static String pathOf(MismatchedInputException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
