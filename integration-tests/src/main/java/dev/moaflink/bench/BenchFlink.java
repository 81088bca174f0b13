package dev.moaflink.bench;

import dev.moaflink.deploy.LocalJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;

/**
 * Flink settings of the benchmarks' MiniClusters: those of local runs (state checkpointed to files in a run
 * directory), except that a failure ends the benchmark loudly instead of restarting; the soak alone keeps the
 * restarts, since staying up is what it measures.
 */
final class BenchFlink {

    private BenchFlink() {}

    static Configuration configuration(JobConfig config) {
        Configuration conf = LocalJob.flinkConfiguration(config, LocalJob.runDirectory("bench"));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return conf;
    }

    /** For jobs built from the default configuration. */
    static Configuration configuration() {
        return configuration(ConfigLoader.fromArgs());
    }
}
