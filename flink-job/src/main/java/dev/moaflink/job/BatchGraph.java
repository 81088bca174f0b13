package dev.moaflink.job;

import dev.moaflink.job.batch.BatchInput;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.batch.JsonLineEncoder;
import dev.moaflink.job.batch.RunSummary;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.io.ParseJsonQueries;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.TopologySet;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.DefaultRollingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch mode's edges: JSON-lines queries from any Flink file system (parallel readers, one per file), answers and
 * dead letters into the output directory through Flink's FileSink (part files committed exactly once, at checkpoints
 * and at the end), and the run's summary computed in the job ({@link RunSummary}). Queries an earlier run into the
 * same directory answered are skipped.
 *
 * <p>The job stays in streaming execution on its bounded input: the levels of a query run at the same time (a level's
 * agents prefill while the one below decodes, and stops travel back against the dataflow), which batch execution's
 * stage-by-stage scheduling would serialise.
 */
final class BatchGraph {

    private static final Logger LOG = LoggerFactory.getLogger(BatchGraph.class);

    private BatchGraph() {}

    static void build(StreamExecutionEnvironment env, JobConfig config, TopologySet topologies,
                             QueryValidator validator) {
        JobConfig.BatchSettings batch = config.batch();
        BatchOutput output = new BatchOutput(batch.output());
        List<String> earlier = output.committedAnswers().stream().map(Path::toString).toList();
        if (!earlier.isEmpty()) {
            LOG.info("{} holds {} answer files of an earlier run: their queries are skipped", batch.output(),
                    earlier.size());
        }
        SingleOutputStreamOperator<QueryTask> queries = env
                .fromSource(BatchInput.source(batch.input()), WatermarkStrategy.noWatermarks(), "dataset " + batch.input())
                .uid("dataset")
                .process(new ParseJsonQueries(batch.input(), validator, earlier), TypeInformation.of(QueryTask.class))
                .name("parse queries").uid("parse-queries");
        MoaPipeline.Outputs out = MoaPipeline.build(queries, config, topologies);
        DataStream<DeadLetterRecord> deadLetters = out.deadLetters(queries.getSideOutput(ParseJsonQueries.DEAD_LETTERS));
        out.answers().sinkTo(fileSink(output.answers(), "answers")).name("answers files").uid("answers-files");
        deadLetters.sinkTo(fileSink(output.deadLetters(), "dead-letters")).name("dead letters files")
                .uid("dead-letters-files");
        RunSummary.attach(out.answers(), deadLetters, queries.getSideOutput(ParseJsonQueries.SKIPPED), output,
                earlier);
    }

    /** JSON-lines part files under {@code dir}, rolled at 128 MB or 15 minutes and committed at checkpoints. */
    private static <T> FileSink<T> fileSink(Path dir, String prefix) {
        return FileSink.forRowFormat(dir, new JsonLineEncoder<T>())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(DefaultRollingPolicy.builder()
                        .withMaxPartSize(MemorySize.ofMebiBytes(128))
                        .withRolloverInterval(Duration.ofMinutes(15))
                        .build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix(prefix).withPartSuffix(".jsonl").build())
                .build();
    }
}
