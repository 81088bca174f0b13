package dev.moaflink.job.batch;

import dev.moaflink.job.io.Json;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the run's summary inside the job (parallelism 1): counts every answer, dead letter and skipped query as it
 * passes, keeps them in checkpointed state (a failover neither loses nor double-counts one), and when the input ends
 * adds the answers an earlier run left in the output directory and writes {@code summary.json} and {@code summary.md}
 * there. Its counters are the job's accumulators {@value #ANSWERED}, {@value #DEAD_LETTERED} and {@value #SKIPPED},
 * which a client follows for progress.
 */
public final class RunSummary extends AbstractStreamOperator<Void> implements OneInputStreamOperator<SummaryEvent, Void>,
        BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RunSummary.class);

    static final String ANSWERED = "moa-batch-answered";
    static final String DEAD_LETTERED = "moa-batch-dead-lettered";
    static final String SKIPPED = "moa-batch-skipped";

    private final BatchOutput output;
    /** Answer files an earlier run committed, listed when the job was built (before this run committed any). */
    private final List<String> earlierAnswerFiles;

    private transient List<ScoredAnswer> answers;
    private transient long[] counts;
    private transient ListState<ScoredAnswer> answersState;
    private transient ListState<Long> countsState;
    private transient LongCounter answered;
    private transient LongCounter deadLettered;
    private transient LongCounter skipped;

    /**
     * Adds the summary to the job: every answer, dead letter and skipped query id flows into one RunSummary.
     *
     * @param earlierAnswerFiles answer files an earlier run committed into {@code output}
     */
    public static void attach(DataStream<AnswerRecord> answers, DataStream<DeadLetterRecord> deadLetters,
                              DataStream<String> skipped, BatchOutput output, List<String> earlierAnswerFiles) {
        TypeInformation<SummaryEvent> type = TypeInformation.of(SummaryEvent.class);
        answers.map(a -> SummaryEvent.answered(ScoredAnswer.of(a)), type).name("score answers").uid("score-answers")
                .union(deadLetters.map(d -> SummaryEvent.deadLettered(), type)
                                .name("count dead letters").uid("count-dead-letters"),
                        skipped.map(id -> SummaryEvent.skipped(), type).name("count skipped").uid("count-skipped"))
                .transform("summary", TypeInformation.of(Void.class), new RunSummary(output, earlierAnswerFiles))
                .uid("summary").setParallelism(1).setMaxParallelism(1);
    }

    RunSummary(BatchOutput output, List<String> earlierAnswerFiles) {
        this.output = output;
        this.earlierAnswerFiles = List.copyOf(earlierAnswerFiles);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        answersState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("answers", ScoredAnswer.class));
        countsState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("dead-lettered-and-skipped", Long.class));
        answers = new ArrayList<>();
        counts = new long[2];
        answersState.get().forEach(answers::add);
        int i = 0;
        for (Long c : countsState.get()) {
            counts[i++] += c;
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        answered = counter(ANSWERED, answers.size());
        deadLettered = counter(DEAD_LETTERED, counts[0]);
        skipped = counter(SKIPPED, counts[1]);
    }

    private LongCounter counter(String name, long start) {
        LongCounter c = new LongCounter(start);
        getRuntimeContext().addAccumulator(name, c);
        return c;
    }

    @Override
    public void processElement(StreamRecord<SummaryEvent> record) {
        SummaryEvent e = record.getValue();
        switch (e.kind()) {
            case ANSWERED -> {
                answers.add(e.answer());
                answered.add(1);
            }
            case DEAD_LETTERED -> {
                counts[0]++;
                deadLettered.add(1);
            }
            case SKIPPED -> {
                counts[1]++;
                skipped.add(1);
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        answersState.update(answers);
        countsState.update(List.of(counts[0], counts[1]));
    }

    @Override
    public void endInput() throws Exception {
        List<ScoredAnswer> earlier = new ArrayList<>();
        for (String line : BatchOutput.lines(earlierAnswerFiles.stream().map(Path::new).toList())) {
            earlier.add(ScoredAnswer.of(Json.MAPPER.readTree(line)));
        }
        BatchReport report = BatchReport.of(answers, earlier, counts[1], counts[0]);
        report.write(output);
        LOG.info("Batch summary in {}: {} answers ({} by this run), {} skipped, {} dead letters, accuracy {}",
                output.summaryJson(), report.overall().answers(), answers.size(), counts[1], counts[0],
                report.overall().accuracy());
    }
}
