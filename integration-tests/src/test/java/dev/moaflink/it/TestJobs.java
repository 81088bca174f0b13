package dev.moaflink.it;

import dev.moaflink.bench.JobArgs;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Starts the job on the test's MiniCluster as the integration tests want it. */
final class TestJobs {

    private TestJobs() {}

    /**
     * The job of these arguments, submitted without waiting for it: no restarts (a failure fails the test instead of
     * looping) and no generic types (the hot path must not fall back to Kryo).
     */
    static JobClient start(JobArgs args) throws Exception {
        JobConfig config = ConfigLoader.fromArgs(args.toArray());
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MoaJob.build(env, config);
        return env.executeAsync(config.jobName());
    }
}
