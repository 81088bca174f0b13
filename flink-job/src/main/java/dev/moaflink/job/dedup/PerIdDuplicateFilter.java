package dev.moaflink.job.dedup;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.job.io.RejectCounters;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The {@code per_id} duplicate-id filter: one keyed state entry per accepted id, forgotten by state TTL after the
 * window. With the RocksDB state backend and incremental checkpoints a checkpoint uploads only the ids that changed
 * (expired ones are dropped by RocksDB's compaction filter), so windows of hours cost disk, not checkpoint time;
 * with the heap backend every checkpoint writes every id (about 20 bytes plus the id's length each).
 */
final class PerIdDuplicateFilter extends KeyedProcessFunction<String, QueryTask, QueryTask> {

    private static final long serialVersionUID = 1L;

    private final long windowMs;
    private transient ValueState<Boolean> seen;
    private transient RejectCounters rejected;
    private transient AvroCodec<Query> codec;

    PerIdDuplicateFilter(long windowMs) {
        this.windowMs = windowMs;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Boolean> d = new ValueStateDescriptor<>("query-id-seen", Types.BOOLEAN);
        d.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(windowMs))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupIncrementally(10, false)
                .cleanupFullSnapshot()
                .cleanupInRocksdbCompactFilter(1000)
                .build());
        seen = getRuntimeContext().getState(d);
        rejected = new RejectCounters(getRuntimeContext().getMetricGroup());
        codec = AvroCodec.of(Query.class);
    }

    @Override
    public void processElement(QueryTask query, Context ctx, Collector<QueryTask> out) throws Exception {
        if (seen.value() != null) {
            rejected.inc(RejectKind.DUPLICATE_ID);
            ctx.output(DuplicateIds.DUPLICATES, DuplicateIds.deadLetter(codec, query, windowMs));
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(query);
    }
}
