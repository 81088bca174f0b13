package dev.moaflink.job.io;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.connectors.kafka.RawRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Streaming mode's decode step: Avro bytes from Kafka in, valid queries out. Records that do not decode or
 * break a limit go to the dead-letter side output with their topic, partition and offset; the job goes on.
 */
public final class DecodeQueries extends ProcessFunction<RawRecord, QueryTask> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetterRecord.class));

    private final QueryValidator validator;
    private final AvroCodec<Query> codec = AvroCodec.of(Query.class);

    private transient Counter decoded;
    private transient RejectCounters rejected;

    public DecodeQueries(QueryValidator validator) {
        this.validator = validator;
    }

    @Override
    public void open(OpenContext openContext) {
        decoded = getRuntimeContext().getMetricGroup().counter("queriesDecoded");
        rejected = new RejectCounters(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<QueryTask> out) {
        Query q;
        try {
            q = codec.decode(raw.value());
        } catch (DecodeException e) {
            reject(raw, kindOf(e), e.getMessage(), null, ctx);
            return;
        }
        QueryValidator.Outcome o = validator.validate(q.getId(), q.getText(), q.getChoices(), q.getTaskType(),
                q.getGold(), q.getTopology(), q.getProfile(), q.getSubmittedAt() == null ? raw.timestamp()
                        : q.getSubmittedAt().toEpochMilli());
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

    private static RejectKind kindOf(DecodeException e) {
        return switch (e.kind()) {
            case EMPTY -> RejectKind.EMPTY_RECORD;
            case UNKNOWN_SCHEMA -> RejectKind.UNKNOWN_SCHEMA;
            default -> RejectKind.MALFORMED_AVRO;
        };
    }
}
