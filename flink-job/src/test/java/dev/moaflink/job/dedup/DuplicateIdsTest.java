package dev.moaflink.job.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.schema.Query;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class DuplicateIdsTest {

    private static final int MAX_PARALLELISM = 128;

    /** Both layouts behind one clock: the compact one reads processing time, the per-id one state TTL's clock. */
    record Layout(String name, long windowMs) {
        OneInputStreamOperator<QueryTask, QueryTask> operator() {
            return name.equals("compact") ? new DuplicateIdFilter(windowMs)
                    : new KeyedProcessOperator<>(new PerIdDuplicateFilter(windowMs));
        }

        KeyedOneInputStreamOperatorTestHarness<String, QueryTask, QueryTask> harness(int parallelism, int subtask)
                throws Exception {
            return new KeyedOneInputStreamOperatorTestHarness<>(operator(), QueryTask::id, Types.STRING,
                    MAX_PARALLELISM, parallelism, subtask);
        }

        void time(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h, long ms) throws Exception {
            h.setProcessingTime(ms);
            h.setStateTtlProcessingTime(ms);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Layout> layouts() {
        return Stream.of(new Layout("compact", 1_600), new Layout("per_id", 1_600));
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void aDuplicateIdWithinTheWindowIsDeadLetteredAndAcceptedAgainAfterIt(Layout layout) throws Exception {
        try (var h = layout.harness(1, 0)) {
            h.open();
            layout.time(h, 0);
            h.processElement(Fixtures.query("q3", "tree"), 0);
            h.processElement(Fixtures.query("q4", "tree"), 0);
            layout.time(h, 800);
            h.processElement(Fixtures.query("q3", "tree"), 0);
            assertEquals(List.of("q3", "q4"), accepted(h));
            List<DeadLetterRecord> dead = h.getSideOutput(DuplicateIds.DUPLICATES).stream()
                    .map(StreamRecord::getValue).toList();
            assertEquals(1, dead.size());
            assertEquals(RejectKind.DUPLICATE_ID, dead.get(0).kind());
            assertEquals("q3", dead.get(0).queryId());
            assertTrue(dead.get(0).reason().contains("already accepted"), dead.get(0).reason());
            Query replay = AvroCodec.of(Query.class).decode(dead.get(0).payload());
            assertEquals("q3", replay.getId());
            assertEquals(Fixtures.query("q3", "tree").text(), replay.getText());
            // Remembered for at least the window, at most a sixteenth longer (compact's time slices).
            layout.time(h, 1_600 + 1_600 / IdWindow.SLICES + 1);
            h.processElement(Fixtures.query("q3", "tree"), 0);
            assertEquals(List.of("q3", "q4", "q3"), accepted(h), "after the window the id is new again");
            assertEquals(1, h.getSideOutput(DuplicateIds.DUPLICATES).size());
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void theWindowSurvivesARestoreAndFollowsItsKeyGroupsWhenRescaled(Layout layout) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = layout.harness(1, 0)) {
            h.open();
            layout.time(h, 100);
            for (int i = 0; i < 200; i++) {
                h.processElement(Fixtures.query("q" + i, "tree"), 0);
            }
            snapshot = h.snapshot(1, 100);
        }
        int accepted = 0;
        int duplicates = 0;
        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot,
                    MAX_PARALLELISM, 1, 2, subtask);
            try (var h = layout.harness(2, subtask)) {
                h.initializeState(part);
                h.open();
                layout.time(h, 200);
                for (int i = 0; i < 400; i++) {
                    String id = "q" + i;
                    int group = org.apache.flink.runtime.state.KeyGroupRangeAssignment.assignToKeyGroup(id,
                            MAX_PARALLELISM);
                    if (org.apache.flink.runtime.state.KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(
                            MAX_PARALLELISM, 2, group) == subtask) {
                        h.processElement(Fixtures.query(id, "tree"), 0);
                    }
                }
                accepted += accepted(h).size();
                duplicates += h.getSideOutput(DuplicateIds.DUPLICATES).size();
            }
        }
        assertEquals(200, duplicates, "every id of the first run is still known on the subtask its key group moved to");
        assertEquals(200, accepted, "ids never seen pass");
    }

    @Test
    void aCompactCheckpointTakesAboutEightBytesAnIdAndLessThanHalfOfAnEntryPerId() throws Exception {
        int ids = 100_000;
        long compact = checkpointBytes(new Layout("compact", 600_000), ids);
        long perId = checkpointBytes(new Layout("per_id", 600_000), ids);
        double compactPerId = (double) compact / ids;
        assertTrue(compactPerId < 8.5, "compact: " + compactPerId + " bytes an id");
        assertTrue(compact < 0.5 * perId, "compact " + compact + " vs one entry per id " + perId + " bytes");
    }

    @Test
    void expiredSlicesAreDroppedAtACheckpointEvenWithoutTraffic() throws Exception {
        Layout layout = new Layout("compact", 1_000);
        try (var h = layout.harness(1, 0)) {
            h.open();
            layout.time(h, 0);
            for (int i = 0; i < 5_000; i++) {
                h.processElement(Fixtures.query("q" + i, "tree"), 0);
            }
            long full = h.snapshot(1, 0).getStateSize();
            layout.time(h, 2_000);
            long later = h.snapshot(2, 2_000).getStateSize();
            assertTrue(full > 5_000 * 8, "full: " + full);
            assertTrue(later < 5_000, "after the window: " + later + " bytes");
        }
    }

    @Test
    void perIdOnRocksDbWithIncrementalCheckpointsRestoresTheWindow(@TempDir Path dir) throws Exception {
        // One checkpoint: a harness cannot restore a later incremental one (its reused files are placeholders that
        // only a checkpoint coordinator resolves). What later checkpoints write is measured by `bench.sh state`.
        Layout layout = new Layout("per_id", 600_000);
        OperatorSubtaskState snapshot;
        try (var h = layout.harness(1, 0)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
            h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.toUri()));
            h.open();
            layout.time(h, 0);
            for (int i = 0; i < 51_000; i++) {
                h.processElement(Fixtures.query("id-" + i, "tree"), 0);
            }
            snapshot = h.snapshot(1, 0);
        }
        try (var h = layout.harness(1, 0)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
            h.initializeState(snapshot);
            h.open();
            layout.time(h, 1_000);
            for (int i = 0; i < 51_000; i += 100) {
                h.processElement(Fixtures.query("id-" + i, "tree"), 0);
            }
            h.processElement(Fixtures.query("new", "tree"), 0);
            assertEquals(List.of("new"), accepted(h), "every restored id is still a duplicate");
        }
    }

    private static long checkpointBytes(Layout layout, int ids) throws Exception {
        try (var h = layout.harness(1, 0)) {
            h.open();
            layout.time(h, 0);
            for (int i = 0; i < ids; i++) {
                h.processElement(Fixtures.query("id-" + i, "tree"), 0);
            }
            return h.snapshot(1, 0).getStateSize();
        }
    }

    private static List<String> accepted(KeyedOneInputStreamOperatorTestHarness<String, QueryTask, QueryTask> h) {
        return h.extractOutputValues().stream().map(QueryTask::id).toList();
    }
}
