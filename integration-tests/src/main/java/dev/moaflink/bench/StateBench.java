package dev.moaflink.bench;

import dev.moaflink.deploy.LocalJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.dedup.DuplicateIds;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.schema.TaskType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * State: what the duplicate-id window costs at checkpoints when it is full. A MiniCluster job (checkpoints every
 * second to files, as local runs take them) feeds the job's own duplicate-id filter {@code --ids} distinct UUID ids
 * (default 1.2 million: 2,000 queries/s for the default 10-minute window) as fast as it takes them, then
 * {@code --rate} ids/s for {@code --tail-seconds}; the checkpoints completed in the tail are read from Flink's REST
 * API. Variants: the compact layout on the heap backend (the default), one keyed entry per id on the heap backend
 * (the layout before), and one entry per id on RocksDB with incremental checkpoints (the option for large windows).
 */
final class StateBench implements Bench.Runner {

    /** Ids the running job's generator has emitted (the MiniCluster runs in this JVM). */
    static final AtomicLong EMITTED = new AtomicLong();

    record Variant(String name, JobConfig.DuplicateState layout, String backend, boolean incremental) {}

    /** A variant's checkpoints in the tail; the figures are over them (medians unless named otherwise). */
    record Result(Variant variant, long ids, List<FlinkRest.Completed> checkpoints, double fillSeconds) {
        double p(java.util.function.ToDoubleFunction<FlinkRest.Completed> f, double q) {
            return new Percentiles(checkpoints.stream().mapToDouble(f).toArray()).p(q);
        }

        double stateBytes() {
            return p(FlinkRest.Completed::stateBytes, 0.5);
        }

        double uploadedBytes() {
            return p(FlinkRest.Completed::uploadedBytes, 0.5);
        }

        double p50Ms() {
            return p(FlinkRest.Completed::durationMs, 0.5);
        }

        double maxMs() {
            return p(FlinkRest.Completed::durationMs, 1.0);
        }
    }

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        long ids = o.integer("ids", 1_200_000);
        int rate = o.integer("rate", 2_000);
        int tail = o.integer("tail-seconds", 20);
        List<Variant> variants = List.of(
                new Variant("compact, heap", JobConfig.DuplicateState.COMPACT, "hashmap", false),
                new Variant("per_id, heap", JobConfig.DuplicateState.PER_ID, "hashmap", false),
                new Variant("per_id, RocksDB incremental", JobConfig.DuplicateState.PER_ID, "rocksdb", true));
        List<Result> results = new ArrayList<>();
        for (Variant v : variants) {
            results.add(measure(v, ids, rate, tail));
        }
        Result before = results.get(1);
        BenchReport r = new BenchReport("state").put("ids", ids).put("rate_per_s", rate).put("tail_seconds", tail);
        Map<String, Object> byVariant = new LinkedHashMap<>();
        StringBuilder rows = new StringBuilder();
        for (Result x : results) {
            double state = x.stateBytes();
            double uploaded = x.uploadedBytes();
            double p50 = x.p50Ms();
            double max = x.maxMs();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layout", x.variant.layout.name().toLowerCase(Locale.ROOT));
            m.put("state_backend", x.variant.backend);
            m.put("incremental", x.variant.incremental);
            m.put("checkpoints", x.checkpoints.size());
            m.put("state_mb", round(state / 1048576.0));
            m.put("bytes_per_id", round(state / x.ids));
            m.put("uploaded_mb_per_checkpoint", round(uploaded / 1048576.0));
            m.put("checkpoint_p50_ms", Math.round(p50));
            m.put("checkpoint_max_ms", Math.round(max));
            m.put("fill_seconds", round(x.fillSeconds));
            m.put("state_ratio_vs_per_id_heap", round(state / before.stateBytes()));
            m.put("uploaded_ratio_vs_per_id_heap", round(uploaded / before.uploadedBytes()));
            m.put("checkpoint_p50_ratio_vs_per_id_heap", round(p50 / before.p50Ms()));
            byVariant.put(x.variant.name, m);
            rows.append(String.format(Locale.ROOT, "| %s | %d | %.1f MB | %.1f | %.2f MB | %.0f / %.0f ms | %.2f× | %.2f× |%n",
                    x.variant.name, x.checkpoints.size(), state / 1048576.0, state / x.ids, uploaded / 1048576.0, p50,
                    max, state / before.stateBytes(), p50 / before.p50Ms()));
        }
        r.put("variants", byVariant);
        StateChart.write(results, ids, rate, tail);
        r.md(String.format(Locale.ROOT, """
                # Benchmark `state`: the duplicate-id window at checkpoints

                A Flink MiniCluster job (parallelism 1, checkpoints every second to files) runs the job's duplicate-id
                filter over %,d distinct ids (UUIDs, 36 characters; 2,000 queries/s × the default 10-minute window), then
                %,d ids/s for %d s; figures are the medians over the checkpoints completed in that tail. %d cores.

                | layout, state backend | checkpoints | state | bytes per id | written per checkpoint | duration p50 / max | state ÷ per_id heap | duration ÷ per_id heap |
                |---|---:|---:|---:|---:|---:|---:|---:|
                %s
                `compact` (the default) keeps 64-bit id hashes per key group and writes them whole at each checkpoint;
                `per_id` keeps a keyed state entry per id with a TTL: on the heap backend every checkpoint writes every
                entry; on RocksDB with incremental checkpoints a checkpoint writes only the files that changed.

                Chart: `target/bench/state.png` (bytes per id, state and what a checkpoint writes, checkpoint duration,
                per variant).
                """, ids, rate, tail, Runtime.getRuntime().availableProcessors(), rows));
        return r;
    }

    private static Result measure(Variant v, long ids, int rate, int tail) throws Exception {
        JobConfig config = ConfigLoader.fromArgs("--limits.duplicate_state", v.layout.name().toLowerCase(Locale.ROOT));
        int port = FlinkRest.freePort();
        Path runDir = LocalJob.runDirectory("state-bench");
        Configuration flink = LocalJob.flinkConfiguration(config, runDir, port);
        flink.set(StateBackendOptions.STATE_BACKEND, v.backend);
        flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, v.incremental);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, flink);
        env.enableCheckpointing(1000);
        DataStream<QueryTask> queries = env.fromSequence(0, ids + (long) rate * tail + rate * 30L)
                .map(new PacedQueries(ids, rate)).returns(TypeInformation.of(QueryTask.class));
        DuplicateIds.filter(queries.keyBy(QueryTask::id, Types.STRING), config.limits()).accepted()
                .sinkTo(new DiscardingSink<>());
        EMITTED.set(0);
        long start = System.nanoTime();
        JobClient job = env.executeAsync("state-" + v.name);
        String jobId = job.getJobID().toHexString();
        FlinkRest rest = new FlinkRest(port);
        try {
            while (EMITTED.get() < ids) {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    throw new IllegalStateException(v.name + ": the job ended while filling: " + job.getJobStatus().get());
                }
                Thread.sleep(100);
            }
            double fill = (System.nanoTime() - start) / 1e9;
            // The first checkpoint that starts after the fill sees the full window.
            long after = rest.checkpoints(jobId).id() + 1;
            Map<Long, FlinkRest.Completed> seen = new LinkedHashMap<>();
            long end = System.nanoTime() + tail * 1_000_000_000L;
            while (System.nanoTime() < end) {
                // The REST API caches checkpoint statistics for a few seconds; its history has every recent one.
                for (FlinkRest.Completed c : rest.history(jobId)) {
                    if (c.id() > after) {
                        seen.putIfAbsent(c.id(), c);
                    }
                }
                Thread.sleep(1_000);
            }
            if (seen.isEmpty()) {
                throw new IllegalStateException(v.name + ": no checkpoint completed in the tail; last failure: "
                        + rest.checkpoints(jobId).lastFailure());
            }
            System.out.printf(Locale.ROOT, "[state] %s: filled %,d ids in %.1f s; %d checkpoints%n", v.name, ids, fill,
                    seen.size());
            return new Result(v, EMITTED.get(), new ArrayList<>(seen.values()), fill);
        } finally {
            job.cancel().get();
        }
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    /** Turns n into a query with a UUID id: as fast as taken for the first {@code fill}, then at {@code rate}/s. */
    static final class PacedQueries implements MapFunction<Long, QueryTask> {
        private final long fill;
        private final int rate;
        private transient long paceStart;

        PacedQueries(long fill, int rate) {
            this.fill = fill;
            this.rate = rate;
        }

        @Override
        public QueryTask map(Long n) throws Exception {
            if (n >= fill) {
                long now = System.nanoTime();
                if (paceStart == 0) {
                    paceStart = now;
                }
                long due = paceStart + (long) ((n - fill) * 1e9 / rate);
                if (due > now) {
                    Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                }
            }
            EMITTED.incrementAndGet();
            return new QueryTask(new UUID(n, ~n).toString(), "q", null, TaskType.FREE_TEXT, null, "tree-9-3-1",
                    System.currentTimeMillis());
        }
    }
}
