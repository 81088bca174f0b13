package dev.moaflink.job.io;

import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Batch mode's decode step: JSON lines in, valid queries out, everything else to dead letters. */
public final class ParseJsonQueries extends ProcessFunction<String, QueryTask> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetterRecord.class));

    private final String source;
    private final QueryValidator validator;
    private transient RejectCounters rejected;

    public ParseJsonQueries(String source, QueryValidator validator) {
        this.source = source;
        this.validator = validator;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        rejected = new RejectCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(String line, Context ctx, Collector<QueryTask> out) {
        if (line.isBlank()) {
            return; // blank lines separate nothing in JSON lines; not a record
        }
        long now = System.currentTimeMillis();
        QueryValidator.Outcome o = JsonQueries.parse(line, validator, now);
        if (o.accepted()) {
            out.collect(o.query());
        } else {
            rejected.inc(o.kind());
            ctx.output(DEAD_LETTERS, new DeadLetterRecord(line.getBytes(StandardCharsets.UTF_8), null, source, -1, -1,
                    o.queryId(), o.kind(), o.reason(), now));
        }
    }
}
