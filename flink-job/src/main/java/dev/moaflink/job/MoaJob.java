package dev.moaflink.job;

import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.EffectiveConfig;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.batch.BatchReport;
import dev.moaflink.job.batch.BatchRun;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.topology.TopologySet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point. Streaming mode reads Avro queries from Kafka and writes Avro answers (exactly-once by
 * default) and dead letters back to Kafka; batch mode reads JSON-lines queries from any Flink file system and
 * writes answers, dead letters and a summary into an output directory ({@link BatchGraph}). Usage: {@code MoaJob [--config file.yaml] [--some.key value ...]}.
 */
public final class MoaJob {

    private static final Logger LOG = LoggerFactory.getLogger(MoaJob.class);

    private MoaJob() {}

    static final String USAGE = """
            usage: MoaJob [--config job.yaml] [--preset sim|sim-reasoning] [--placement plan.json] [--KEY VALUE ...]

            The MoA job. Streaming mode (default) reads Avro queries from Kafka and writes answers and dead letters
            back, exactly once; batch mode (--mode batch --batch.input PATH --batch.output DIR) reads JSON-lines
            queries (a file, a directory or a glob, on any Flink file system) and writes answers, dead letters and a
            summary into DIR, exactly once; a run into a DIR that holds answers answers only the queries missing.
              --config FILE       job configuration (YAML) over the bundled defaults
              --preset NAME       simulated GPU-class models under the default names
              --placement FILE    a placement plan from the scheduler (routing.placement)
              --KEY VALUE         any configuration key, dotted (--mechanisms.early_exit.enabled true)
              --help              this text
            Every key, its default and meaning: docs/CONFIGURATION.md (defaults: moa-defaults.yaml in the job jar).
            Credentials never go on the command line: use kafka.properties_file or MOA_KAFKA_* variables.
            """;

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        JobConfig config = ConfigLoader.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        if (config.mode() == JobConfig.Mode.STREAMING) {
            env.execute(config.jobName());
            return;
        }
        JobClient job = env.executeAsync(config.jobName());
        // flink run -d submits and leaves; a local run (a MiniCluster in this JVM) or flink run without -d follows it.
        boolean local = env instanceof LocalStreamEnvironment;
        if (!local && !env.getConfiguration().get(DeploymentOptions.ATTACHED)) {
            LOG.info("Batch job {} submitted (detached): its summary will be {}", job.getJobID(),
                    new BatchOutput(config.batch().output()).summaryJson());
            return;
        }
        BatchReport report = BatchRun.follow(job, config, "batch", System.err);
        System.out.println(BatchRun.describe(report, config.batch().output()));
    }

    /** Adds the whole job to {@code env} (sources, MoA pipeline, sinks); the caller executes it. */
    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        FlinkSettings.apply(env, config);
        // Shown in Flink's web UI and REST API (the job's user configuration), credentials redacted.
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(EffectiveConfig.of(config)));
        // Every record type of the job is an immutable Java record, so chained operators may share objects.
        env.getConfig().enableObjectReuse();
        TopologySet topologies = ConfigValidator.topologies(config);
        QueryValidator validator = new QueryValidator(config.limits(), topologies.all().keySet(),
                ConfigValidator.skillRouter(config));
        if (config.mode() == JobConfig.Mode.STREAMING) {
            KafkaGraph.build(env, config, topologies, validator);
        } else {
            BatchGraph.build(env, config, topologies, validator);
        }
        LOG.info("Built {} job with topologies {}", config.mode(), topologies.all().values());
    }

}
