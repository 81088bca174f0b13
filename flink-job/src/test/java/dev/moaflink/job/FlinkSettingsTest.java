package dev.moaflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.EffectiveConfig;
import dev.moaflink.job.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Flink's settings stay Flink's unless the job configuration sets them. */
@Timeout(30)
class FlinkSettingsTest {

    private static StreamExecutionEnvironment env(Configuration flink) {
        return StreamExecutionEnvironment.getExecutionEnvironment(flink);
    }

    private static Configuration clusterConfig() {
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 3);
        flink.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(7));
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(5));
        flink.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofSeconds(30));
        flink.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 2);
        return flink;
    }

    @Test
    void flinksConfigurationDecidesWhatTheJobLeavesUnset() {
        StreamExecutionEnvironment env = env(clusterConfig());
        FlinkSettings.apply(env, ConfigLoader.fromArgs());
        assertEquals(3, env.getParallelism());
        assertEquals(7, env.getBufferTimeout());
        assertEquals(5_000, env.getCheckpointConfig().getCheckpointInterval());
        assertEquals(30_000, env.getCheckpointConfig().getCheckpointTimeout());
        assertEquals(2, env.getCheckpointConfig().getTolerableCheckpointFailureNumber());
    }

    @Test
    void theJobConfigurationWinsWhereItSetsAValue() {
        StreamExecutionEnvironment env = env(clusterConfig());
        FlinkSettings.apply(env, ConfigLoader.fromArgs("--parallelism", "2", "--buffer_timeout_ms", "0",
                "--checkpoint_interval_ms", "250", "--checkpoint_timeout_ms", "9000",
                "--checkpoint_tolerable_failures", "4"));
        assertEquals(2, env.getParallelism());
        assertEquals(0, env.getBufferTimeout());
        assertEquals(250, env.getCheckpointConfig().getCheckpointInterval());
        assertEquals(9_000, env.getCheckpointConfig().getCheckpointTimeout());
        assertEquals(4, env.getCheckpointConfig().getTolerableCheckpointFailureNumber());
        StreamExecutionEnvironment off = env(clusterConfig());
        FlinkSettings.apply(off, ConfigLoader.fromArgs("--checkpoint_interval_ms", "0",
                "--kafka.delivery", "at_least_once"));
        assertEquals(0, FlinkSettings.checkpointIntervalMs(off), "0 turns Flink's checkpointing off");
    }

    @Test
    void aJobThatNoConfigurationCheckpointsFallsBackToEverySecond() {
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 5);
        StreamExecutionEnvironment env = env(flink);
        FlinkSettings.apply(env, ConfigLoader.fromArgs());
        assertEquals(5, env.getParallelism(), "untouched");
        assertEquals(1_000, FlinkSettings.checkpointIntervalMs(env));
        assertEquals(60_000, env.getCheckpointConfig().getCheckpointTimeout());
        assertEquals(10, env.getCheckpointConfig().getTolerableCheckpointFailureNumber());
        StreamExecutionEnvironment batch = env(new Configuration());
        FlinkSettings.apply(batch, ConfigLoader.fromArgs("--mode", "batch", "--batch.input", "q.jsonl",
                "--batch.output", "out"));
        assertEquals(1_000, FlinkSettings.checkpointIntervalMs(batch), "a batch run commits its part files at them");
    }

    @Test
    void theEffectiveConfigurationIsTheJobsGlobalParametersWithCredentialsRedacted(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, "kafka:\n  properties:\n    sasl.jaas.config: \"pass=sk-not-a-real-key\"\n");
        JobConfig config = ConfigLoader.fromArgs("--config", file.toString(), "--preset", "sim", "--mode", "batch",
                "--batch.input", "q.jsonl", "--batch.output", "out", "--kafka.properties.acks", "all");
        StreamExecutionEnvironment env = env(new Configuration());
        MoaJob.build(env, config);
        Map<String, String> shown = env.getConfig().getGlobalJobParameters().toMap();
        assertEquals("tree-9-3-1", shown.get("default_topology"));
        assertEquals("false", shown.get("mechanisms.overlap"));
        assertEquals("sim", shown.get("models.expert-small.backend"));
        assertEquals(EffectiveConfig.REDACTED, shown.get("kafka.properties.acks"),
                "every Kafka client property value is hidden");
        assertEquals(EffectiveConfig.REDACTED, shown.get("kafka.properties.sasl.jaas.config"));
        assertFalse(shown.containsKey("parallelism"), "unset keys are Flink's, not shown as the job's");
        assertTrue(shown.values().stream().noneMatch(v -> v.contains("sk-not-a-real-key")));
    }
}
