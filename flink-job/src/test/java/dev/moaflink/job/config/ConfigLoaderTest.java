package dev.moaflink.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.model.EngineClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreValidAndServeTreeAndDense() {
        JobConfig c = ConfigLoader.fromArgs();
        assertEquals(JobConfig.Mode.STREAMING, c.mode());
        assertEquals("tree-9-3-1", c.defaultTopology());
        assertEquals(JobConfig.Delivery.EXACTLY_ONCE, c.kafka().delivery());
        assertEquals(java.util.Set.of("tree-9-3-1", "tree-9-3-1-grouped", "dense-9-9-1", "self-moa"),
                ConfigValidator.topologies(c).all().keySet());
        var selfMoa = c.topologies().get("self-moa");
        assertEquals(0.7, selfMoa.samplingOf(1).temperature());
        assertEquals(0.95, selfMoa.samplingOf(1).topP());
        assertEquals(0.0, selfMoa.samplingOf(2).temperature());
        assertEquals(null, c.topologies().get("tree-9-3-1").samplingOf(1), "greedy unless a topology says");
        assertTrue(c.mechanisms().bypassEarly(), "a settled bypass stops the inputs still running by default");
        c.models().forEach((name, m) -> {
            assertEquals("djl", m.backend(), name);
            assertEquals("classpath:dev/moaflink/models/" + name, m.options().get("path"));
        });
    }

    @Test
    void theSimPresetServesEveryDefaultModelWithTheSimulatedEngine() {
        JobConfig c = ConfigLoader.fromArgs("--preset", "sim");
        assertEquals(java.util.Set.of("expert-small", "expert-medium", "expert-large", "aggregator"), c.models().keySet());
        c.models().values().forEach(m -> assertEquals("sim", m.backend()));
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.fromArgs("--preset", "nope"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("nope"), e.getMessage());
        JobConfig r = ConfigLoader.fromArgs("--preset", "sim-reasoning");
        assertEquals(c.models().keySet(), r.models().keySet());
        r.models().values().forEach(m -> assertEquals("sim", m.backend()));
        assertEquals("3000", r.models().get("expert-large").options().get("output_mean_tokens"));
        assertEquals(16384, r.agent().maxTokens(), "long reasoning outputs are not cut at the default 512");
    }

    @Test
    void flagsOverrideFileAndDefaults() throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, "kafka:\n  queries_topic: from-file\n  answers_topic: answers-file\nagent:\n  capacity: 7\n");
        JobConfig c = ConfigLoader.fromArgs("--config", file.toString(), "--kafka.queries_topic", "from-flag",
                "--agent.timeout_ms=5000", "--default_topology", "dense-9-9-1");
        assertEquals("from-flag", c.kafka().queriesTopic());
        assertEquals("answers-file", c.kafka().answersTopic());
        assertEquals("moa.dead-letters", c.kafka().deadLetterTopic(), "untouched keys keep their defaults");
        assertEquals(7, c.agent().capacity());
        assertEquals(5000, c.agent().timeoutMs());
        assertEquals("dense-9-9-1", c.defaultTopology());
    }

    @Test
    void fileModelsReplaceDefaultModels() throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, String.join("\n",
                "models:",
                "  solo: {backend: sim, options: {accuracy: '0.5'}}",
                "topologies:",
                "  single: {kind: tree, fan_in: 1, depth: 1, models: [[solo]]}",
                "default_topology: single", ""));
        JobConfig c = ConfigLoader.fromArgs("--config", file.toString());
        assertEquals(java.util.Set.of("solo"), c.models().keySet());
    }

    @Test
    void topicFormatsDefaultToAvroAndCanBeSetForAllOrPerTopic() {
        JobConfig.KafkaSettings plain = ConfigLoader.fromArgs().kafka();
        assertEquals(List.of(JobConfig.TopicFormat.AVRO, JobConfig.TopicFormat.AVRO, JobConfig.TopicFormat.AVRO),
                List.of(plain.queries(), plain.answers(), plain.deadLetters()));
        JobConfig.KafkaSettings mixed = ConfigLoader.fromArgs("--kafka.format", "json",
                "--kafka.queries_format", "registry-avro").kafka();
        assertEquals(List.of(JobConfig.TopicFormat.REGISTRY_AVRO, JobConfig.TopicFormat.JSON, JobConfig.TopicFormat.JSON),
                List.of(mixed.queries(), mixed.answers(), mixed.deadLetters()));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--kafka.format", "protobuf"));
        assertTrue(e.getMessage().contains("avro, json or registry-avro"), e.getMessage());
    }

    @Test
    void unknownKeyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--agent.capacityy", "3"));
        assertTrue(e.getMessage().contains("unknown configuration key 'agent.capacityy'"), e.getMessage());
    }

    @Test
    void wrongTypeIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--agent.capacity", "lots"));
        assertTrue(e.getMessage().contains("agent.capacity"), e.getMessage());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs(
                "--kafka.queries_topic", "", "--agent.capacity", "0", "--kafka.transactional_id_prefix", "",
                "--parallelism", "0"));
        String m = e.getMessage();
        assertTrue(m.contains("kafka.queries_topic is missing"), m);
        assertTrue(m.contains("agent.capacity must be >= 1"), m);
        assertTrue(m.contains("transactional_id_prefix is required"), m);
        assertTrue(m.contains("parallelism must be >= 1"), m);
    }

    @Test
    void topologyErrorsSurfaceAtLoad() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs(
                "--topologies.tree-9-3-1.fan_in", "0"));
        assertTrue(e.getMessage().contains("topology 'tree-9-3-1': fan_in must be >= 1"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs(
                "--topologies.tree-9-3-1.models", "[[nope], [aggregator], [aggregator]]"));
        assertTrue(e.getMessage().contains("unknown model 'nope'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--default_topology", "star"));
        assertTrue(e.getMessage().contains("default_topology 'star'"), e.getMessage());
    }

    @Test
    void aJobRunsInOneClock() {
        assertEquals(EngineClock.WALL, ConfigValidator.clock(ConfigLoader.fromArgs()));
        assertEquals(EngineClock.VIRTUAL, ConfigValidator.clock(ConfigLoader.fromArgs("--preset", "sim",
                "--models.expert-small.options.time", "virtual", "--models.expert-medium.options.time", "virtual",
                "--models.expert-large.options.time", "virtual", "--models.aggregator.options.time", "virtual")));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--preset", "sim",
                "--models.expert-small.options.time", "virtual"));
        assertTrue(e.getMessage().contains("virtual time cannot be mixed"), e.getMessage());
    }

    @Test
    void engineOptionsAreValidatedByTheirBackend() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs(
                "--models.expert-small.options.accuracy", "1.5"));
        assertTrue(e.getMessage().contains("model 'expert-small'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--models.expert-small.backend", "gpu9000"));
        assertTrue(e.getMessage().contains("unknown engine backend 'gpu9000'"), e.getMessage());
    }

    @Test
    void batchModeNeedsInputAndOutput() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--mode", "batch"));
        assertTrue(e.getMessage().contains("batch.input"), e.getMessage());
        assertTrue(e.getMessage().contains("batch.output"), e.getMessage());
    }

    @Test
    void missingConfigFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromArgs("--config", "/no/such.yaml"));
        assertTrue(e.getMessage().contains("/no/such.yaml does not exist"), e.getMessage());
    }
}
