package dev.moaflink.deploy;

import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.JobConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Starts the job on a local MiniCluster in this JVM (demo, score CLI, benchmarks) the way a cluster would run it:
 * checkpoints go to files in a run directory (a MiniCluster without checkpoint storage keeps them in the
 * JobManager's memory, capped at 5 MB, and a job whose state outgrows that fails), and a streaming job restarts from
 * its last checkpoint after a failure instead of ending the run. Batch runs are not restarted: a failure ends them.
 */
public final class LocalJob {

    /** Environment variable naming the directory local runs keep their checkpoints under (default: a temp dir). */
    public static final String RUN_DIR_ENV = "MOA_RUN_DIR";

    private LocalJob() {}

    /** Starts {@code config} with its checkpoints under a fresh run directory, removed when this JVM exits. */
    public static JobClient start(JobConfig config) throws Exception {
        return start(config, flinkConfiguration(config, runDirectory(config.jobName())));
    }

    /** Starts {@code config} on a MiniCluster with the given Flink settings (see {@link #flinkConfiguration}). */
    public static JobClient start(JobConfig config, Configuration flink) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        MoaJob.build(env, config);
        return env.executeAsync(config.jobName());
    }

    /**
     * Flink settings of a local run: parallelism 1 and a 5 ms buffer timeout (low latency; the job configuration
     * may still set either), the heap state backend with checkpoints and savepoints as files under {@code runDir},
     * and in streaming mode restarts with an exponential back-off (1 s doubling to 30 s, reset after a minute without
     * failures; the run ends after 20 failures in a row).
     */
    public static Configuration flinkConfiguration(JobConfig config, Path runDir) {
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        flink.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(5));
        flink.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, runDir.resolve("checkpoints").toUri().toString());
        flink.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, runDir.resolve("savepoints").toUri().toString());
        if (config.mode() == JobConfig.Mode.STREAMING) {
            flink.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(30));
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                    Duration.ofMinutes(1));
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, 20);
        } else {
            flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            // The task executors report the job's counters (its progress) with each heartbeat: every second here.
            flink.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        }
        return flink;
    }

    /** {@link #flinkConfiguration} with Flink's REST API on {@code restPort} (checkpoint statistics, metrics). */
    public static Configuration flinkConfiguration(JobConfig config, Path runDir, int restPort) {
        Configuration flink = flinkConfiguration(config, runDir);
        flink.set(RestOptions.BIND_ADDRESS, "localhost");
        flink.set(RestOptions.BIND_PORT, String.valueOf(restPort));
        flink.set(RestOptions.ADDRESS, "localhost");
        flink.set(RestOptions.PORT, restPort);
        return flink;
    }

    /**
     * A new directory for one run: under {@value #RUN_DIR_ENV} when set (kept), else under the temp dir (deleted when
     * this JVM exits).
     */
    public static Path runDirectory(String jobName) {
        try {
            String root = System.getenv(RUN_DIR_ENV);
            if (root != null && !root.isBlank()) {
                Path base = Path.of(root);
                Files.createDirectories(base);
                return Files.createTempDirectory(base, jobName + "-");
            }
            Path dir = Files.createTempDirectory("moa-run-" + jobName + "-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(dir), "moa-run-dir-cleanup"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory for checkpoints", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the temp dir is the OS's to clean otherwise
        }
    }
}
