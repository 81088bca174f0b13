package dev.moaflink.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class KafkaClientPropertiesTest {

    @TempDir
    Path dir;

    private static JobConfig.KafkaSettings kafka(Map<String, String> props, String file) {
        return new JobConfig.KafkaSettings("b:9092", "q", "a", "d", "g", JobConfig.Delivery.EXACTLY_ONCE, "t", 60_000,
                JobConfig.StartingOffsets.EARLIEST, false, props, file, JobConfig.TopicFormat.AVRO, null, null, null);
    }

    @Test
    void fileThenConfigThenEnvironmentEachOverridingTheOneBefore() throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, """
                security.protocol=SASL_SSL
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="from-file";
                ssl.truststore.location=/etc/kafka/truststore.jks
                """);
        Map<String, String> env = Map.of("MOA_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "PATH", "/bin",
                "MOA_KAFKA_PROPERTIES_FILE", "/ignored/because/the/config/names/one");
        Map<String, String> p = KafkaClientProperties.resolve(kafka(Map.of("security.protocol", "SSL",
                "client.id", "moa"), f.toString()), env);
        assertEquals("SSL", p.get("security.protocol"), "the config file's kafka.properties beat the properties file");
        assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"), "the environment beats both");
        assertTrue(p.get("sasl.jaas.config").contains("from-file"));
        assertEquals("/etc/kafka/truststore.jks", p.get("ssl.truststore.location"));
        assertEquals("moa", p.get("client.id"));
        assertFalse(p.containsKey("path"));
    }

    @Test
    void thePropertiesFileCanComeFromTheEnvironmentAndAMissingOneIsAnError() throws Exception {
        Path f = dir.resolve("c.properties");
        Files.writeString(f, "security.protocol=SSL\n");
        assertEquals("SSL", KafkaClientProperties.resolve(kafka(Map.of(), null),
                Map.of("MOA_KAFKA_PROPERTIES_FILE", f.toString())).get("security.protocol"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> KafkaClientProperties.resolve(kafka(Map.of(), dir.resolve("nope").toString()), Map.of()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void credentialsOnTheCommandLineAreRefusedWithoutEchoingThem() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--preset", "sim",
                "--kafka.properties.ssl.keystore.password", "hunter2"));
        assertTrue(e.getMessage().contains("must not be passed on the command line"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertTrue(KafkaClientProperties.isSecret("sasl.jaas.config"));
        assertTrue(KafkaClientProperties.isSecret("ssl.key.password"));
        assertFalse(KafkaClientProperties.isSecret("security.protocol"));
        assertFalse(KafkaClientProperties.isSecret("ssl.truststore.location"));
        ConfigException url = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--preset", "sim",
                "--kafka.properties.schema.registry.url", "https://moa:hunter2@registry:8081"));
        assertFalse(url.getMessage().contains("hunter2"), url.getMessage());
        assertEquals("https://registry:8081", ConfigLoader.fromArgs("--preset", "sim",
                "--kafka.properties.schema.registry.url", "https://registry:8081").kafka().properties()
                .get("schema.registry.url"), "a dotted client property is one key");
    }

    @Test
    void registryPropertiesStayOutOfTheKafkaClients() {
        Map<String, String> all = Map.of("security.protocol", "SASL_SSL", "schema.registry.url", "http://r:8081",
                "basic.auth.user.info", "u:p", "auto.register.schemas", "false");
        assertEquals(Map.of("security.protocol", "SASL_SSL"), KafkaClientProperties.withoutRegistry(all));
    }
}
