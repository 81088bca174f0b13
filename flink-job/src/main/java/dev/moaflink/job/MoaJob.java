package dev.moaflink.job;

import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.EffectiveConfig;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.io.BatchReport;
import dev.moaflink.job.io.JsonLinesFileSink;
import dev.moaflink.job.io.ParseJsonQueries;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.TopologySet;
import java.nio.file.Path;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point. Streaming mode reads Avro queries from Kafka and writes Avro answers (exactly-once by
 * default) and dead letters back to Kafka; batch mode reads a JSON-lines dataset and writes an answers
 * file plus an accuracy report. Usage: {@code MoaJob [--config file.yaml] [--some.key value ...]}.
 */
public final class MoaJob {

    private static final Logger LOG = LoggerFactory.getLogger(MoaJob.class);

    private MoaJob() {}

    static final String USAGE = """
            usage: MoaJob [--config job.yaml] [--preset sim|sim-reasoning] [--placement plan.json] [--KEY VALUE ...]

            The MoA job. Streaming mode (default) reads Avro queries from Kafka and writes answers and dead letters
            back, exactly once; batch mode (--mode batch --batch.input FILE --batch.output FILE) reads a JSON-lines
            dataset and writes answers and an accuracy report.
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
        JobExecutionResult result = env.execute(config.jobName());
        if (config.mode() == JobConfig.Mode.BATCH) {
            BatchReport report = writeBatchReport(config);
            LOG.info("Batch run finished in {} ms: {} answers, accuracy {}", result.getNetRuntime(),
                    report.overall().answers(), report.overall().accuracy());
        }
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
            buildBatch(env, config, topologies, validator);
        }
        LOG.info("Built {} job with topologies {}", config.mode(), topologies.all().values());
    }

    private static void buildBatch(StreamExecutionEnvironment env, JobConfig config, TopologySet topologies,
                                   QueryValidator validator) {
        JobConfig.BatchSettings batch = config.batch();
        FileSource<String> lines = FileSource
                .forRecordStreamFormat(new TextLineInputFormat(), new org.apache.flink.core.fs.Path(batch.input()))
                .build();
        SingleOutputStreamOperator<QueryTask> queries = env
                .fromSource(lines, WatermarkStrategy.noWatermarks(), "dataset " + batch.input())
                .setParallelism(1)
                .process(new ParseJsonQueries(batch.input(), validator), TypeInformation.of(QueryTask.class))
                .name("parse queries").uid("parse-queries");
        MoaPipeline.Outputs out = MoaPipeline.build(queries, config, topologies);
        out.answers().sinkTo(JsonLinesFileSink.<AnswerRecord>json(batch.output()))
                .name("answers file").setParallelism(1);
        out.deadLetters(queries.getSideOutput(ParseJsonQueries.DEAD_LETTERS))
                .sinkTo(JsonLinesFileSink.<DeadLetterRecord>json(deadLetterFile(batch)))
                .name("dead letters file").setParallelism(1);
    }

    /** Where batch mode writes rejected input lines: next to the answers file. */
    public static String deadLetterFile(JobConfig.BatchSettings batch) {
        return batch.output() + ".dead-letters.jsonl";
    }

    /** Summarises the answers file of a finished batch run into the configured report (JSON + Markdown). */
    public static BatchReport writeBatchReport(JobConfig config) throws java.io.IOException {
        JobConfig.BatchSettings batch = config.batch();
        BatchReport report = BatchReport.of(Path.of(batch.output()));
        String target = batch.report() != null ? batch.report() : batch.output() + ".summary.json";
        report.write(Path.of(target));
        return report;
    }
}
