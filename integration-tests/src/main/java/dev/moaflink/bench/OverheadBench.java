package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What the framework costs, Kafka → job → Kafka on a local MiniCluster with an in-JVM broker:
 * <ol>
 *   <li>throughput with a zero-cost simulated engine (10,000 queries pre-loaded, drained as fast as the
 *       job goes);</li>
 *   <li>the end-to-end latency the framework adds (zero-cost engine, queries paced below saturation);</li>
 *   <li>with the default simulated profiles in real time: wall latency ÷ engine time on the critical path.</li>
 * </ol>
 * Every figure comes from the simulated engine, and the report says so.
 */
final class OverheadBench implements Bench.Runner {

    /** client.id of the benchmark's own producers and consumer, whose threads are not charged to the job. */
    private static final String BENCH_CLIENT = "bench-client";
    private static final int WARM_ROUND = 10_000;

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        int queries = o.integer("queries", 10_000);
        int warmup = o.integer("warmup", 60_000);
        int maxWarmup = o.integer("max-warmup", 120_000);
        int repeats = o.integer("repeats", 7);
        int latencyQueries = o.integer("latency-queries", 2_000);
        int latencyRate = o.integer("latency-rate", 500);
        int realtimeQueries = o.integer("realtime-queries", 200);
        int realtimeRate = o.integer("realtime-rate", 20);
        int parallelism = o.integer("parallelism", 1);
        String topology = o.string("topology", "tree-9-3-1");
        int cores = Runtime.getRuntime().availableProcessors();

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());

            // 1 + 2: zero-cost engine, at-least-once delivery so answers are visible as soon as they are written
            // (exactly-once adds up to one checkpoint interval of visibility delay, not work). Warm up in rounds
            // (deployment, JIT), then produce the measured batch as fast as possible: wall rate from the answers'
            // timestamps, CPU per thread (the benchmark's own clients apart). The JIT compilers never fall fully
            // quiet in this JVM (broker + cluster + job share it), so their CPU is reported apart.
            Topics t = Topics.create(kafka);
            KafkaConnection benchClients = connection.withClientProperties(Map.of("client.id", BENCH_CLIENT));
            JobClient job = start(args(kafka, t, topology, parallelism).zeroCost(16).set("kafka.delivery", "at_least_once"));
            List<Answer> all;
            List<Answer> pacedAnswers;
            CpuMeter[] batches = new CpuMeter[repeats];
            int warmed = 0;
            try (AnswerReader<Answer> reader = new AnswerReader<>(benchClients, t.answers, Answer.class)) {
                int seen = 0;
                // Warm up for at least `warmup` queries, then until two rounds in a row cost the job about the
                // same CPU (within 10%: the JIT has caught up), at most `max-warmup` queries.
                double previous = Double.NaN;
                for (int round = 0; ; round++) {
                    CpuMeter r = CpuMeter.start();
                    produce(benchClients, t.queries, SyntheticQueries.generate(WARM_ROUND, 100 + round, "warm" + round + "-"), 0);
                    warmed += WARM_ROUND;
                    seen += reader.count(warmed - seen, Duration.ofMinutes(5));
                    r.stop(false);
                    System.out.printf(Locale.ROOT, "[overhead] warm-up round %d: %d queries, job %.2f CPU s, JIT %.2f CPU s%n",
                            round, WARM_ROUND, r.job, r.jit);
                    boolean steady = Math.abs(r.job - previous) <= 0.1 * previous;
                    previous = r.job;
                    if (warmed >= maxWarmup || (warmed >= warmup && steady)) {
                        break;
                    }
                }
                require(seen == warmed, "warm-up got " + seen + " answers for " + warmed + " queries");
                for (int b = 0; b < repeats; b++) {
                    batches[b] = CpuMeter.start();
                    produce(benchClients, t.queries, SyntheticQueries.generate(queries, 7 + b, "bulk" + b + "-"), 0);
                    seen += reader.count(warmed + (b + 1) * queries - seen, Duration.ofMinutes(5));
                    batches[b].stop(b == repeats - 1);
                    progress("measured batch " + b, seen - warmed - b * queries, queries);
                }
                require(seen == warmed + repeats * queries, "throughput phase got " + (seen - warmed) + " answers");
                List<Query> paced = SyntheticQueries.generate(latencyQueries, 8, "paced-");
                produce(benchClients, t.queries, paced, latencyRate);
                progress("paced", reader.count(latencyQueries, Duration.ofMinutes(5)), latencyQueries);
            } finally {
                job.cancel().get();
            }
            try (AnswerReader<Answer> reader = new AnswerReader<>(connection, t.answers, Answer.class)) {
                all = reader.read(warmed + repeats * queries + latencyQueries, Duration.ofMinutes(2), a -> { });
            }
            pacedAnswers = all.stream().filter(a -> a.getQueryId().startsWith("paced-")).toList();
            require(pacedAnswers.size() == latencyQueries, "answers lost: " + pacedAnswers.size() + " paced");
            // Per batch: wall rate from the answers' timestamps; per core from CPU (the JVM's GC and VM threads
            // are all charged to the job, though the broker allocates too; JIT compilation still running after
            // the warm-up is reported apart: a long-running job pays it once). The median batch is reported.
            double[] perCore = new double[repeats];
            double[] wallQps = new double[repeats];
            int traceSize = 0;
            for (int b = 0; b < repeats; b++) {
                String prefix = "bulk" + b + "-";
                List<Answer> batch = all.stream().filter(a -> a.getQueryId().startsWith(prefix)).toList();
                require(batch.size() == queries, "answers lost: " + batch.size() + " in batch " + b);
                long first = batch.stream().mapToLong(a -> a.getAnsweredAt().toEpochMilli()).min().orElseThrow();
                long last = batch.stream().mapToLong(a -> a.getAnsweredAt().toEpochMilli()).max().orElseThrow();
                wallQps[b] = (queries - 1) * 1000.0 / Math.max(1, last - first);
                perCore[b] = queries / (batches[b].job + batches[b].gc);
                traceSize = batch.get(0).getTrace().size();
            }
            int median = medianIndex(perCore);
            CpuMeter cpu = batches[median];
            double qps = wallQps[median];
            double qpsPerCore = perCore[median];
            double qpsPerCoreWithBroker = queries / (cpu.job + cpu.gc + cpu.broker);
            double minPerCore = java.util.Arrays.stream(perCore).min().orElseThrow();
            double maxPerCore = java.util.Arrays.stream(perCore).max().orElseThrow();
            Percentiles frameworkLatency = new Percentiles(pacedAnswers.stream()
                    .mapToDouble(a -> a.getAnsweredAt().toEpochMilli() - a.getSubmittedAt().toEpochMilli()).toArray());

            // 3: default simulated profiles in real time.
            Topics rt = Topics.create(kafka);
            JobClient realtime = start(args(kafka, rt, topology, parallelism));
            List<Answer> rtAnswers;
            try (AnswerReader<Answer> reader = new AnswerReader<>(connection, rt.answers, Answer.class)) {
                produce(connection, rt.queries, SyntheticQueries.generate(realtimeQueries, 9, "rt-"), realtimeRate);
                rtAnswers = reader.read(realtimeQueries, Duration.ofMinutes(5), a -> { });
                require(rtAnswers.size() == realtimeQueries, "real-time phase got " + rtAnswers.size());
            } finally {
                realtime.cancel().get();
            }
            double wall = rtAnswers.stream().mapToDouble(Answer::getLatencyMs).sum();
            double engine = rtAnswers.stream().mapToDouble(Answer::getEngineCriticalPathMs).sum();
            double overhead = (wall - engine) / engine;

            OverheadChart.write(perCore, wallQps, frameworkLatency, latencyRate, wall / realtimeQueries,
                    engine / realtimeQueries);
            BenchReport r = new BenchReport("overhead")
                    .put("engine", "simulated")
                    .put("topology", topology)
                    .put("parallelism", parallelism)
                    .put("cores", cores)
                    .put("queries", queries)
                    .put("queries_per_s", round(qps))
                    .put("repeats", repeats)
                    .put("queries_per_s_per_core", round(qpsPerCore))
                    .put("queries_per_s_per_core_min", round(minPerCore))
                    .put("queries_per_s_per_core_max", round(maxPerCore))
                    .put("queries_per_s_per_core_batches", java.util.Arrays.stream(perCore).map(OverheadBench::round).boxed().toList())
                    .put("queries_per_s_per_core_incl_broker", round(qpsPerCoreWithBroker))
                    .put("cpu_seconds_job", round(cpu.job))
                    .put("cpu_seconds_gc", round(cpu.gc))
                    .put("cpu_seconds_jit", round(cpu.jit))
                    .put("cpu_seconds_broker", round(cpu.broker))
                    .put("cpu_seconds_reader", round(cpu.reader))
                    .put("warmup_queries", warmed)
                    .put("agent_calls_per_s", round(qps * traceSize))
                    .put("p50_ms", round(frameworkLatency.p(0.50)))
                    .put("p99_ms", round(frameworkLatency.p(0.99)))
                    .put("latency_queries", latencyQueries)
                    .put("latency_rate_per_s", latencyRate)
                    .put("realtime_queries", realtimeQueries)
                    .put("realtime_wall_ms_mean", round(wall / realtimeQueries))
                    .put("realtime_engine_critical_path_ms_mean", round(engine / realtimeQueries))
                    .put("overhead_ratio", Math.round(overhead * 1e5) / 1e5);
            r.md(String.format(Locale.ROOT, """
                    # Benchmark `overhead` (simulated engine)

                    All agents ran on the **simulated** engine; Kafka (in-JVM KRaft) → Flink MiniCluster → Kafka,
                    topology %s, parallelism %d, %d cores.

                    | measure | value | target |
                    |---|---:|---:|
                    | throughput, zero-cost engine (median of %d batches of %d queries after %d warm-up, %d agent calls each) | %.0f queries/s | |
                    | throughput per core (queries ÷ CPU seconds of the job's threads, %.2f s, and of the JVM's GC and VM threads, %.2f s; median batch, all batches %.0f–%.0f) | %.0f queries/s | ≥ 20,000 |
                    | throughput per core counting the in-JVM broker's threads too (+%.2f s) | %.0f queries/s | |
                    | JIT compilation still running in the measured phase (not charged) | %.2f CPU s | |
                    | framework latency p50 (zero-cost engine, %d q/s paced) | %.1f ms | |
                    | framework latency p99 | %.1f ms | |
                    | real-time default profiles: mean wall latency | %.0f ms | |
                    | real-time: mean engine time on the critical path | %.0f ms | |
                    | overhead ratio (wall − engine) ÷ engine | %.2f %% | < 2 %% |

                    Chart: `target/bench/overhead.png` (throughput per measured batch, framework latency percentiles,
                    real-time latency beside the engine's critical path).
                    """, topology, parallelism, cores, repeats, queries, warmed, traceSize, qps, cpu.job, cpu.gc, minPerCore, maxPerCore, qpsPerCore,
                    cpu.broker, qpsPerCoreWithBroker, cpu.jit,
                    latencyRate, frameworkLatency.p(0.5), frameworkLatency.p(0.99), wall / realtimeQueries,
                    engine / realtimeQueries, overhead * 100));
            return r;
        }
    }

    private record Topics(String queries, String answers, String dead) {
        static Topics create(EmbeddedKafka kafka) {
            String s = UUID.randomUUID().toString().substring(0, 8);
            Topics t = new Topics("q-" + s, "a-" + s, "d-" + s);
            kafka.createTopics(1, t.queries, t.answers, t.dead);
            return t;
        }
    }

    private static JobArgs args(EmbeddedKafka kafka, Topics t, String topology, int parallelism) {
        return JobArgs.kafka(kafka.bootstrapServers(), t.queries, t.answers, t.dead)
                .set("default_topology", topology)
                .set("parallelism", parallelism)
                .set("checkpoint_interval_ms", 1000);
    }

    private static JobClient start(JobArgs args) throws Exception {
        JobConfig config = ConfigLoader.fromArgs(args.toArray());
        Configuration conf = BenchFlink.configuration(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        MoaJob.build(env, config);
        return env.executeAsync(config.jobName());
    }

    /** Sends {@code queries}; {@code ratePerS} 0 sends as fast as possible. */
    private static void produce(KafkaConnection c, String topic, List<Query> queries, int ratePerS) {
        try (QueryProducer p = new QueryProducer(c, topic)) {
            long start = System.nanoTime();
            for (int i = 0; i < queries.size(); i++) {
                if (ratePerS > 0) {
                    long due = start + (long) (i * 1e9 / ratePerS);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                p.send(queries.get(i));
            }
            p.flush();
        }
    }

    /**
     * CPU time per thread between start and {@link #stop}, split into the in-JVM broker's threads (recognised
     * by name), this benchmark's reading thread and its consumer's helpers, and the rest (the Flink job: task
     * threads, its Kafka clients, the MiniCluster runtime). Threads that start and end in between are missed.
     */
    private static final class CpuMeter {
        private static final java.util.regex.Pattern BROKER = java.util.regex.Pattern.compile(
                "data-plane-.*|kafka-request-handler.*|.*raft.*|kafka-\\d+-.*|broker-\\d+-.*|controller-\\d+-.*"
                        + "|quorum-.*|ExpirationReaper-.*|kafka-scheduler-.*|group-coordinator.*|share-.*"
                        + "|transaction-.*|TxnMarkerSenderThread.*|LogDirFailureHandler|.*[Cc]leaner.*"
                        + "|ReplicaFetcher.*|executor-.*|kafka-log-.*|metrics-meter.*|.*SocketServer.*");
        private final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        private final java.util.Map<Long, Long> start = snapshot();
        private final long processStart = processCpu();
        private final double[] internalStart = internalThreads();
        private final long self = Thread.currentThread().getId();
        double broker;
        double reader;
        double job;
        /** The JVM's garbage collector and VM threads, plus process CPU on no thread alive at the end. */
        double gc;
        /** The JIT compiler threads (warm-up work, reported but not charged to the job). */
        double jit;

        /**
         * CPU seconds of the JVM's own threads, {GC + VM thread, JIT compilers}, from /proc (Linux); they are
         * not Java threads, so ThreadMXBean does not see them. Zeros where /proc is unavailable.
         */
        private static double[] internalThreads() {
            double gc = 0;
            double jit = 0;
            java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
            if (tasks == null) {
                return new double[] {0, 0};
            }
            for (java.io.File task : tasks) {
                try {
                    String comm = java.nio.file.Files.readString(task.toPath().resolve("comm")).strip();
                    String stat = java.nio.file.Files.readString(task.toPath().resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime+stime, USER_HZ
                    if (comm.startsWith("GC Thread") || comm.equals("VM Thread") || comm.startsWith("G1 ")
                            || comm.startsWith("VM Periodic")) {
                        gc += seconds;
                    } else if (comm.contains("CompilerThre") || comm.startsWith("Sweeper")) {
                        jit += seconds;
                    }
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended while we looked
                }
            }
            return new double[] {gc, jit};
        }

        private static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime();
        }

        static CpuMeter start() {
            return new CpuMeter();
        }

        private java.util.Map<Long, Long> snapshot() {
            java.util.Map<Long, Long> m = new java.util.HashMap<>();
            for (long id : mx.getAllThreadIds()) {
                long t = mx.getThreadCpuTime(id);
                if (t >= 0) {
                    m.put(id, t);
                }
            }
            return m;
        }

        CpuMeter stop(boolean print) {
            java.util.List<String> lines = new java.util.ArrayList<>();
            for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info == null) {
                    continue;
                }
                long now = mx.getThreadCpuTime(info.getThreadId());
                if (now < 0) {
                    continue;
                }
                double s = (now - start.getOrDefault(info.getThreadId(), 0L)) / 1e9;
                String name = info.getThreadName();
                if (s >= 0.05) {
                    lines.add(String.format(Locale.ROOT, "%6.2f s  %s", s, name));
                }
                if (info.getThreadId() == self || name.contains(BENCH_CLIENT)
                        || name.startsWith("kafka-coordinator-heartbeat-thread")
                        || name.startsWith("consumer_background_thread")) {
                    reader += s;
                } else if (BROKER.matcher(name).matches()) {
                    broker += s;
                } else {
                    job += s;
                }
            }
            double[] internal = internalThreads();
            jit = internal[1] - internalStart[1];
            gc = Math.max(0, (processCpu() - processStart) / 1e9 - broker - reader - job - jit);
            if (print) {
                lines.sort(java.util.Comparator.reverseOrder());
                System.out.println("[overhead] CPU by thread in the measured phase (≥ 0.05 s):");
                lines.forEach(l -> System.out.println("[overhead]   " + l));
            }
            return this;
        }
    }

    /** Index of the median value (the lower middle one for an even count). */
    private static int medianIndex(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        return order[(values.length - 1) / 2];
    }

    private static void progress(String phase, int done, int total) {
        System.out.printf("[overhead] %s: %d/%d%n", phase, done, total);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
