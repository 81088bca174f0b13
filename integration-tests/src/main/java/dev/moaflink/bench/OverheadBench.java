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
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
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

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        int queries = o.integer("queries", 10_000);
        int warmup = o.integer("warmup", 20_000);
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
            // (exactly-once adds up to one checkpoint interval of visibility delay, not work). Warm up (JIT,
            // deployment), then measure a second batch: wall rate from the answers' timestamps, and the CPU
            // time the whole process spent on it minus this benchmark thread's (so job + broker, counted).
            Topics t = Topics.create(kafka);
            produce(connection, t.queries, SyntheticQueries.generate(warmup, 6, "warm-"), 0);
            produce(connection, t.queries, SyntheticQueries.generate(queries, 7, "bulk-"), 0);
            JobClient job = start(args(kafka, t, topology, parallelism).zeroCost(16).set("kafka.delivery", "at_least_once"));
            List<Answer> all;
            List<Answer> pacedAnswers;
            double cpuSeconds;
            try (AnswerReader<Answer> reader = new AnswerReader<>(connection, t.answers, Answer.class)) {
                int seen = reader.count(warmup, Duration.ofMinutes(5)); // a poll may run a few past the warm-up
                progress("warm-up", seen, warmup);
                CpuMeter cpu = CpuMeter.start();
                seen += reader.count(warmup + queries - seen, Duration.ofMinutes(5));
                cpuSeconds = cpu.seconds();
                progress("measured", seen - warmup, queries);
                require(seen == warmup + queries, "throughput phase got " + (seen - warmup) + " answers");
                List<Query> paced = SyntheticQueries.generate(latencyQueries, 8, "paced-");
                produce(connection, t.queries, paced, latencyRate);
                progress("paced", reader.count(latencyQueries, Duration.ofMinutes(5)), latencyQueries);
            } finally {
                job.cancel().get();
            }
            try (AnswerReader<Answer> reader = new AnswerReader<>(connection, t.answers, Answer.class)) {
                all = reader.read(warmup + queries + latencyQueries, Duration.ofMinutes(2), a -> { });
            }
            List<Answer> bulkAnswers = all.stream().filter(a -> a.getQueryId().startsWith("bulk-")).toList();
            pacedAnswers = all.stream().filter(a -> a.getQueryId().startsWith("paced-")).toList();
            require(bulkAnswers.size() == queries && pacedAnswers.size() == latencyQueries,
                    "answers lost: " + bulkAnswers.size() + " bulk, " + pacedAnswers.size() + " paced");
            long first = bulkAnswers.stream().mapToLong(a -> a.getAnsweredAt().toEpochMilli()).min().orElseThrow();
            long last = bulkAnswers.stream().mapToLong(a -> a.getAnsweredAt().toEpochMilli()).max().orElseThrow();
            double qps = (queries - 1) * 1000.0 / Math.max(1, last - first);
            double qpsPerCore = queries / cpuSeconds;
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

            BenchReport r = new BenchReport("overhead")
                    .put("engine", "simulated")
                    .put("topology", topology)
                    .put("parallelism", parallelism)
                    .put("cores", cores)
                    .put("queries", queries)
                    .put("queries_per_s", round(qps))
                    .put("queries_per_s_per_core", round(qpsPerCore))
                    .put("cpu_seconds", round(cpuSeconds))
                    .put("warmup_queries", warmup)
                    .put("agent_calls_per_s", round(qps * bulkAnswers.get(0).getTrace().size()))
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
                    | throughput, zero-cost engine (%d queries after %d warm-up, %d agent calls each) | %.0f queries/s | |
                    | throughput per core (queries ÷ CPU seconds of job + broker) | %.0f queries/s | ≥ 20,000 |
                    | framework latency p50 (zero-cost engine, %d q/s paced) | %.1f ms | |
                    | framework latency p99 | %.1f ms | |
                    | real-time default profiles: mean wall latency | %.0f ms | |
                    | real-time: mean engine time on the critical path | %.0f ms | |
                    | overhead ratio (wall − engine) ÷ engine | %.2f %% | < 2 %% |
                    """, topology, parallelism, cores, queries, warmup, bulkAnswers.get(0).getTrace().size(), qps, qpsPerCore,
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
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), conf);
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

    /** CPU time of this process minus the calling (benchmark) thread's. */
    private record CpuMeter(long process, long self) {
        static CpuMeter start() {
            return new CpuMeter(processCpu(), selfCpu());
        }

        double seconds() {
            return ((processCpu() - process) - (selfCpu() - self)) / 1e9;
        }

        private static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime();
        }

        private static long selfCpu() {
            return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        }
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
