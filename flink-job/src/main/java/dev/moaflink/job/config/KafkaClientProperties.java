package dev.moaflink.job.config;

import dev.moaflink.connectors.kafka.registry.RegistrySettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Kafka client settings (security above all: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}) gathered
 * from, in increasing precedence:
 * <ol>
 *   <li>the file named by {@code kafka.properties_file} or the environment variable
 *       {@value #FILE_ENV} (Kafka's own {@code client.properties} format);</li>
 *   <li>{@code kafka.properties} in the configuration file;</li>
 *   <li>environment variables {@code MOA_KAFKA_<NAME>}, where NAME is the property with dots as underscores, upper
 *       case: {@code MOA_KAFKA_SASL_JAAS_CONFIG} sets {@code sasl.jaas.config}.</li>
 * </ol>
 * Credentials never belong on a command line (it lands in shell history, {@code ps} and Flink's logs):
 * {@link ConfigLoader} refuses {@code --kafka.properties.<secret>} options, and values are never printed.
 */
public final class KafkaClientProperties {

    public static final String FILE_ENV = "MOA_KAFKA_PROPERTIES_FILE";
    public static final String ENV_PREFIX = "MOA_KAFKA_";

    private static final Pattern SECRET = Pattern.compile(
            "(?i).*(password|secret|jaas|credential|token|basic\\.auth\\.user\\.info|ssl\\.key|keystore\\.key).*");

    private KafkaClientProperties() {}

    /** True for property names whose values are credentials. */
    public static boolean isSecret(String property) {
        return SECRET.matcher(property).matches();
    }

    /** The merged client properties of {@code k}, reading the file and the environment now. */
    public static Map<String, String> resolve(JobConfig.KafkaSettings k, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        String file = k.propertiesFile() != null && !k.propertiesFile().isBlank() ? k.propertiesFile()
                : env.get(FILE_ENV);
        if (file != null && !file.isBlank()) {
            out.putAll(readFile(Path.of(file)));
        }
        if (k.properties() != null) {
            out.putAll(k.properties());
        }
        out.putAll(fromEnvironment(env));
        if (out.containsKey("bootstrap.servers")) {
            throw new ConfigException("set the brokers with kafka.bootstrap_servers, not the client property "
                    + "bootstrap.servers");
        }
        return out;
    }

    /**
     * The properties for the Kafka clients themselves: without the schema registry's ({@code schema.registry.*},
     * {@code basic.auth.*}, {@code auto.register.schemas}), which the clients would log as unknown.
     */
    public static Map<String, String> withoutRegistry(Map<String, String> properties) {
        Map<String, String> out = new LinkedHashMap<>(properties);
        out.keySet().removeIf(RegistrySettings::isRegistryProperty);
        return out;
    }

    /** The {@code MOA_KAFKA_<PROPERTY>} variables of {@code env} as client properties. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && !name.equals(FILE_ENV) && name.length() > ENV_PREFIX.length()) {
                out.put(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return out;
    }

    static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("Kafka client properties file " + file.toAbsolutePath() + " does not exist");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read Kafka client properties file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().forEach(n -> out.put(n, p.getProperty(n).strip()));
        return out;
    }
}
