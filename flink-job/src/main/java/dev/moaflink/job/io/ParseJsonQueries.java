package dev.moaflink.job.io;

import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.fs.Path;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Batch mode's decode step: JSON lines in, valid queries out, everything else to dead letters. Queries whose id
 * already has an answer in the given files (an earlier run into the same output) are skipped and counted.
 */
public final class ParseJsonQueries extends ProcessFunction<String, QueryTask> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetterRecord.class));
    /** Ids of queries skipped because an earlier run answered them. */
    public static final OutputTag<String> SKIPPED = new OutputTag<>("skipped", TypeInformation.of(String.class));

    private final String source;
    private final QueryValidator validator;
    private final List<String> answeredFiles;
    private transient RejectCounters rejected;
    private transient Set<String> answered;

    /** @param answeredFiles answer files of an earlier run whose query ids are skipped */
    public ParseJsonQueries(String source, QueryValidator validator, List<String> answeredFiles) {
        this.source = source;
        this.validator = validator;
        this.answeredFiles = List.copyOf(answeredFiles);
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) throws IOException {
        rejected = new RejectCounters(getRuntimeContext().getMetricGroup());
        answered = new HashSet<>();
        for (String file : answeredFiles) {
            Path path = new Path(file);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(path.getFileSystem().open(path),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        answered.add(Json.MAPPER.readTree(line).path("query_id").asText());
                    }
                }
            }
        }
    }

    @Override
    public void processElement(String line, Context ctx, Collector<QueryTask> out) {
        if (line.isBlank()) {
            return; // blank lines separate nothing in JSON lines; not a record
        }
        long now = System.currentTimeMillis();
        QueryValidator.Outcome o = JsonQueries.parse(line, validator, now);
        if (o.accepted() && answered.contains(o.query().id())) {
            ctx.output(SKIPPED, o.query().id());
        } else if (o.accepted()) {
            out.collect(o.query());
        } else {
            rejected.inc(o.kind());
            ctx.output(DEAD_LETTERS, new DeadLetterRecord(line.getBytes(StandardCharsets.UTF_8), null, source, -1, -1,
                    o.queryId(), o.kind(), o.reason(), now));
        }
    }
}
