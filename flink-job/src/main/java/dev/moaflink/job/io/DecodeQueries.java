package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.RawRecord;
import dev.moaflink.job.config.JobConfig.TopicFormat;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Streaming mode's decode step: Kafka records in (Avro, JSON or registry Avro: {@link QueryDecoders}), valid queries
 * out. Records that do not decode or break a limit go to the dead-letter side output with their topic, partition
 * and offset; the job goes on.
 */
public final class DecodeQueries extends ProcessFunction<RawRecord, QueryTask> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetterRecord.class));

    private final QueryValidator validator;
    private final QueryDecoder decoder;

    private transient Counter decoded;
    private transient RejectCounters rejected;

    /** Queries in Avro single-object encoding. */
    public DecodeQueries(QueryValidator validator) {
        this(validator, QueryDecoders.of(TopicFormat.AVRO, null));
    }

    public DecodeQueries(QueryValidator validator, QueryDecoder decoder) {
        this.validator = validator;
        this.decoder = decoder;
    }

    @Override
    public void open(OpenContext openContext) {
        decoded = getRuntimeContext().getMetricGroup().counter("queriesDecoded");
        rejected = new RejectCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<QueryTask> out) {
        QueryValidator.Outcome o = decoder.decode(raw, validator);
        if (o.accepted()) {
            decoded.inc();
            out.collect(o.query());
        } else {
            reject(raw, o.kind(), o.reason(), o.queryId(), ctx);
        }
    }

    private void reject(RawRecord raw, RejectKind kind, String reason, String queryId, Context ctx) {
        rejected.inc(kind);
        ctx.output(DEAD_LETTERS, new DeadLetterRecord(raw.value(), raw.key(), raw.topic(), raw.partition(),
                raw.offset(), queryId, kind, reason, System.currentTimeMillis()));
    }
}
