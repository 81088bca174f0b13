package dev.moaflink.job.dedup;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Drops a query whose id was accepted within {@code limits.duplicate_window_ms} (as a {@code DUPLICATE_ID} dead
 * letter), in one of two state layouts ({@code limits.duplicate_state}): {@code compact} keeps 64-bit id hashes per
 * key group in memory and checkpoints them as 8 bytes an id ({@link DuplicateIdFilter}); {@code per_id} keeps one
 * keyed state entry per id with a TTL ({@link PerIdDuplicateFilter}), which the RocksDB state backend with
 * incremental checkpoints stores at the cost of the ids that changed, for windows of hours.
 */
public final class DuplicateIds {

    /** Queries whose id was accepted within the window. */
    public static final OutputTag<DeadLetterRecord> DUPLICATES =
            new OutputTag<>("duplicate-ids", TypeInformation.of(DeadLetterRecord.class));

    private DuplicateIds() {}

    /** What the filter lets through (keyed by query id, on the same subtask) and the duplicates it rejected. */
    public record Filtered(KeyedStream<QueryTask, String> accepted, DataStream<DeadLetterRecord> duplicates) {}

    /** Adds the configured filter after {@code queries}; with a window of 0 nothing is filtered. */
    public static Filtered filter(KeyedStream<QueryTask, String> queries, JobConfig.Limits limits) {
        long window = limits.duplicateWindowMs();
        if (window <= 0) {
            return new Filtered(queries, null);
        }
        TypeInformation<QueryTask> type = TypeInformation.of(QueryTask.class);
        SingleOutputStreamOperator<QueryTask> kept = limits.duplicateState() == JobConfig.DuplicateState.PER_ID
                ? queries.process(new PerIdDuplicateFilter(window), type).uid("duplicate-ids-per-id")
                : queries.transform("drop duplicate ids", type, new DuplicateIdFilter(window)).uid("duplicate-ids");
        kept.name("drop duplicate ids");
        // Safe: the filter is keyed by query id and emits each query on the subtask it arrived on.
        return new Filtered(DataStreamUtils.reinterpretAsKeyedStream(kept, QueryTask::id, Types.STRING),
                kept.getSideOutput(DUPLICATES));
    }

    /** 64-bit hash of an id (FNV-1a over its UTF-16 units, then MurmurHash3's finaliser for the low bits). */
    static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** The dead letter of a duplicate: the query as a Query record again, so that it can be inspected or replayed. */
    static DeadLetterRecord deadLetter(AvroCodec<Query> codec, QueryTask q, long windowMs) {
        Query avro = Query.newBuilder().setId(q.id()).setText(q.text())
                .setChoices(q.choices() == null ? List.of() : Arrays.asList(q.choices()))
                .setTaskType(q.taskType()).setGold(q.gold()).setTopology(q.topology())
                .setSubmittedAt(Instant.ofEpochMilli(q.submittedAtMs())).build();
        return new DeadLetterRecord(codec.encode(avro), q.id().getBytes(StandardCharsets.UTF_8), "", -1, -1, q.id(),
                RejectKind.DUPLICATE_ID, "query id '" + q.id() + "' was already accepted within the last " + windowMs
                        + " ms (limits.duplicate_window_ms); the first one is answered", System.currentTimeMillis());
    }
}
