package dev.moaflink.deploy;

import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.JobConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Starts the job on a local MiniCluster in this JVM (demo, score CLI): no restarts, so a failure ends the run. */
final class LocalJob {

    private LocalJob() {}

    static JobClient start(JobConfig config) throws Exception {
        Configuration flink = new Configuration();
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
        MoaJob.build(env, config);
        return env.executeAsync(config.jobName());
    }
}
