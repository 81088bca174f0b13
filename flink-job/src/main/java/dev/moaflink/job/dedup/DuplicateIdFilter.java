package dev.moaflink.job.dedup;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.job.io.RejectCounters;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupStatePartitionStreamProvider;
import org.apache.flink.runtime.state.KeyedStateCheckpointOutputStream;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The {@code compact} duplicate-id filter, on a stream keyed by query id. Each key group's accepted ids are held as
 * 64-bit hashes in an {@link IdWindow} and checkpointed as Flink raw keyed state, one stream section per key group,
 * so that they follow their key groups when the job is rescaled. A checkpoint writes 8 bytes an id (a keyed state
 * entry per id takes 20 and more, growing with the id's length). Two distinct ids share a hash with probability
 * about n²/2^65 for n remembered ids (4 × 10⁻⁸ at 1.2 million); such a query would be dead-lettered as a duplicate.
 */
final class DuplicateIdFilter extends AbstractStreamOperator<QueryTask>
        implements OneInputStreamOperator<QueryTask, QueryTask> {

    private static final long serialVersionUID = 1L;

    private final long windowMs;
    private transient Map<Integer, IdWindow> windows;
    private transient int maxParallelism;
    private transient RejectCounters rejected;
    private transient AvroCodec<Query> codec;

    DuplicateIdFilter(long windowMs) {
        this.windowMs = windowMs;
    }

    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        windows = new HashMap<>();
        for (KeyGroupStatePartitionStreamProvider group : context.getRawKeyedStateInputs()) {
            try (InputStream in = group.getStream()) {
                IdWindow w = IdWindow.read(new DataInputViewStreamWrapper(in), windowMs);
                if (w.size() > 0) {
                    windows.put(group.getKeyGroupId(), w);
                }
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        rejected = new RejectCounters(getMetricGroup());
        codec = AvroCodec.of(Query.class);
        getMetricGroup().gauge("duplicateWindowIds", this::rememberedIds);
    }

    @Override
    public void processElement(StreamRecord<QueryTask> element) {
        QueryTask query = element.getValue();
        int group = KeyGroupRangeAssignment.assignToKeyGroup(query.id(), maxParallelism);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        IdWindow window = windows.get(group);
        if (window == null) {
            window = new IdWindow(windowMs);
            windows.put(group, window);
        }
        if (window.addIfAbsent(DuplicateIds.hash(query.id()), now)) {
            output.collect(element);
            return;
        }
        rejected.inc(RejectKind.DUPLICATE_ID);
        output.collect(DuplicateIds.DUPLICATES, new StreamRecord<>(DuplicateIds.deadLetter(codec, query, windowMs)));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        long now = getProcessingTimeService().getCurrentProcessingTime();
        KeyedStateCheckpointOutputStream out = context.getRawKeyedOperatorStateOutput();
        DataOutputViewStreamWrapper view = new DataOutputViewStreamWrapper(out);
        IdWindow empty = new IdWindow(windowMs);
        for (int group : out.getKeyGroupList()) {
            out.startNewKeyGroup(group);
            IdWindow w = windows.get(group);
            if (w != null) {
                w.expire(now); // key groups without traffic still forget their ids
            }
            (w == null ? empty : w).write(view);
        }
    }

    /** Ids remembered now, over this subtask's key groups. */
    long rememberedIds() {
        long n = 0;
        for (IdWindow w : windows.values()) {
            n += w.size();
        }
        return n;
    }
}
