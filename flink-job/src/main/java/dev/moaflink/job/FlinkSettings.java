package dev.moaflink.job;

import dev.moaflink.job.config.JobConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's own settings stay Flink's: parallelism, checkpointing and the buffer timeout come from Flink's configuration
 * and the {@code flink run} options, unless the job configuration sets them explicitly. One exception keeps the job
 * sound: when neither sets any checkpointing, it checkpoints every second with a 60 s timeout and rides out ten
 * failed checkpoints, because exactly-once answers (Kafka transactions, the batch run's part files) commit only at
 * checkpoints, and a job without them recovers only by starting over.
 */
final class FlinkSettings {

    private static final Logger LOG = LoggerFactory.getLogger(FlinkSettings.class);

    static final Duration FALLBACK_INTERVAL = Duration.ofSeconds(1);
    static final Duration FALLBACK_TIMEOUT = Duration.ofSeconds(60);
    static final int FALLBACK_TOLERABLE_FAILURES = 10;

    private FlinkSettings() {}

    /** Applies the job's explicit settings to {@code env}, and the checkpointing fallback the job needs. */
    static void apply(StreamExecutionEnvironment env, JobConfig config) {
        if (config.parallelism() != null) {
            env.setParallelism(config.parallelism());
        }
        if (config.bufferTimeoutMs() != null) {
            env.setBufferTimeout(config.bufferTimeoutMs());
        }
        checkpointing(env, config);
    }

    private static void checkpointing(StreamExecutionEnvironment env, JobConfig config) {
        ReadableConfig flink = env.getConfiguration();
        List<String> fallbacks = new ArrayList<>();
        Duration interval;
        if (config.checkpointIntervalMs() != null) {
            interval = Duration.ofMillis(config.checkpointIntervalMs());
        } else if (flink.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isPresent()) {
            interval = null; // Flink's own
        } else {
            interval = FALLBACK_INTERVAL;
            fallbacks.add("interval " + interval.toMillis() + " ms");
        }
        if (interval != null && interval.isZero()) {
            env.getCheckpointConfig().disableCheckpointing();
        } else if (interval != null) {
            env.enableCheckpointing(interval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        }
        Duration timeout = config.checkpointTimeoutMs() != null ? Duration.ofMillis(config.checkpointTimeoutMs())
                : flink.getOptional(CheckpointingOptions.CHECKPOINTING_TIMEOUT).isPresent() ? null : FALLBACK_TIMEOUT;
        if (timeout != null) {
            env.getCheckpointConfig().setCheckpointTimeout(timeout.toMillis());
            if (config.checkpointTimeoutMs() == null) {
                fallbacks.add("timeout " + timeout.toMillis() + " ms");
            }
        }
        Integer tolerable = config.checkpointTolerableFailures() != null ? config.checkpointTolerableFailures()
                : flink.getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER).isPresent() ? null
                : FALLBACK_TOLERABLE_FAILURES;
        if (tolerable != null) {
            // Under overload a checkpoint is slowest; riding out a few failed ones beats restarting the job.
            env.getCheckpointConfig().setTolerableCheckpointFailureNumber(tolerable);
            if (config.checkpointTolerableFailures() == null) {
                fallbacks.add(tolerable + " tolerated failures");
            }
        }
        if (!fallbacks.isEmpty()) {
            LOG.info("Neither Flink's configuration nor the job's sets checkpointing ({}): using {}",
                    "execution.checkpointing.*", String.join(", ", fallbacks));
        }
    }

    /** The checkpoint interval the job runs with, in ms (0: none), once {@link #apply} has run. */
    static long checkpointIntervalMs(StreamExecutionEnvironment env) {
        return env.getCheckpointConfig().isCheckpointingEnabled() ? env.getCheckpointConfig().getCheckpointInterval()
                : 0;
    }
}
