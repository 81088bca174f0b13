package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.LocalJob;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Soak: the streaming job as a local run starts it (exactly-once, checkpoints every second to files, restarts on
 * failure, the job's default limits, tree 9-3-1) on the <b>simulated</b> engine in real time. First the sustainable
 * rate: a closed loop keeps the job saturated for {@code --calibration-seconds} and the answer rate over its last
 * two thirds is it. Then open-loop phases: {@code --load} of it for {@code --minutes}, {@code --overload-factor} of
 * it for {@code --overload-minutes}, {@code --recovery-load} for {@code --recovery-minutes}. Every 5 s: rates, the
 * job's Kafka lag, the checkpoints (Flink's REST API), latency; a read_committed reader checks every answer's id.
 * Kafka (in-JVM broker), the MiniCluster, producer and reader share this JVM and its two cores.
 */
final class SoakBench implements Bench.Runner {

    private static final long SAMPLE_MS = 5_000;

    /** One sample of the run. */
    record Sample(double minute, String phase, long answered, double offeredPerS, double answeredPerS, long kafkaLag,
                  double stateMb, long checkpointMs, long failedCheckpoints, double latencyP50Ms, double heapMb) {}

    /** A phase as it ran. */
    record PhaseRun(String name, double ratePerS, double startMinute, long startNanos, long endNanos) {}

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        double minutes = Double.parseDouble(o.string("minutes", "3"));
        double load = Double.parseDouble(o.string("load", "0.8"));
        double overload = Double.parseDouble(o.string("overload-factor", "2"));
        double overloadMinutes = Double.parseDouble(o.string("overload-minutes", "2"));
        double recoveryLoad = Double.parseDouble(o.string("recovery-load", "0.5"));
        double recoveryMinutes = Double.parseDouble(o.string("recovery-minutes", "5"));
        int calibrationSeconds = o.integer("calibration-seconds", 60);
        String window = o.string("duplicate-window-ms", null);
        String topology = o.string("topology", "tree-9-3-1");
        // "jobmanager" reproduces the setup before local runs checkpointed to files (5 MB in the JobManager's memory).
        String storage = o.string("checkpoint-storage", "filesystem");

        EmbeddedKafka kafka = EmbeddedKafka.builder()
                // Bounded disk, but queries wait out an overload phase: segments of 32 MB kept for 30 minutes.
                .brokerProperty("log.segment.bytes", String.valueOf(32 << 20))
                .brokerProperty("log.retention.ms", "1800000")
                .start();
        try (kafka) {
            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
            String s = UUID.randomUUID().toString().substring(0, 8);
            String qTopic = "soak-q-" + s;
            String aTopic = "soak-a-" + s;
            kafka.createTopics(1, qTopic, aTopic, "soak-d-" + s);
            JobArgs args = JobArgs.kafka(kafka.bootstrapServers(), qTopic, aTopic, "soak-d-" + s)
                    .set("default_topology", topology)
                    .set("kafka.group_id", "soak-" + s)
                    .simOption("decode_tps", 2000).simOption("prefill_tps", 50000).simOption("overhead_ms", 1)
                    .simOption("output_mean_tokens", 24).simOption("output_p95_tokens", 48);
            if (window != null) {
                args.set("limits.duplicate_window_ms", window);
            }
            JobConfig config = ConfigLoader.fromArgs(args.toArray());
            int port = FlinkRest.freePort();
            Path runDir = LocalJob.runDirectory("soak");
            Configuration flink = LocalJob.flinkConfiguration(config, runDir, port);
            flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, storage);
            JobClient job = LocalJob.start(config, flink);
            Monitor monitor = new Monitor(job, new FlinkRest(port), connection, config.kafka().groupId());
            SoakReader reader = new SoakReader(connection, aTopic);
            Thread readerThread = new Thread(reader, "soak-reader");
            readerThread.start();
            monitor.reader = reader;
            Thread monitorThread = new Thread(monitor, "soak-monitor");
            monitorThread.start();

            List<PhaseRun> phases = new ArrayList<>();
            double sustained = 0;
            boolean drained = false;
            try (QueryProducer producer = new QueryProducer(connection, qTopic)) {
                sustained = monitor.closedLoop(producer, calibrationSeconds, phases);
                System.out.printf(Locale.ROOT, "[soak] sustainable rate %.0f queries/s%n", sustained);
                reader.await(monitor.produced.get(), Duration.ofMinutes(3), monitor::failed);
                monitor.openLoop(producer, "soak", load * sustained, minutes * 60, phases);
                monitor.openLoop(producer, "overload", overload * sustained, overloadMinutes * 60, phases);
                monitor.openLoop(producer, "recovery", recoveryLoad * sustained, recoveryMinutes * 60, phases);
                producer.flush();
                drained = reader.await(monitor.produced.get(), Duration.ofMinutes(5), monitor::failed);
                Thread.sleep(3_000); // anything after the last expected answer would be a duplicate
            } finally {
                monitor.stop();
                monitorThread.join(30_000);
                reader.stop();
                readerThread.join(30_000);
                monitor.cancel();
            }
            return report(config, storage, monitor, reader, phases, sustained, drained, topology,
                    new double[] {minutes, load, overload, overloadMinutes, recoveryLoad, recoveryMinutes});
        }
    }

    private static BenchReport report(JobConfig config, String storage, Monitor m, SoakReader reader,
                                      List<PhaseRun> phases, double sustained, boolean drained, String topology,
                                      double[] plan) throws Exception {
        long total = m.produced.get();
        long lost = total - reader.distinct();
        PhaseRun soak = phase(phases, "soak");
        PhaseRun over = phase(phases, "overload");
        PhaseRun recovery = phase(phases, "recovery");
        Percentiles soakLat = new Percentiles(reader.latencies(soak.startNanos, soak.endNanos));
        Percentiles overLat = new Percentiles(reader.latencies(over.startNanos, over.endNanos));
        long tailFrom = Math.max(recovery.startNanos, recovery.endNanos - 60_000_000_000L);
        Percentiles tailLat = new Percentiles(reader.latencies(tailFrom, recovery.endNanos));
        long lagAtOverloadEnd = m.lagAt(over.endNanos);
        boolean backpressure = lagAtOverloadEnd > 10 * sustained;
        boolean recovered = tailLat.p(0.5) <= 2 * soakLat.p(0.5);
        double maxStateMb = m.samples.stream().mapToDouble(Sample::stateMb).filter(x -> !Double.isNaN(x)).max().orElse(0);
        long maxCheckpointMs = m.checkpoints.values().stream().mapToLong(FlinkRest.Completed::durationMs).max().orElse(0);
        double soakStateMb = m.maxStateMb(soak);
        double overStateMb = m.maxStateMb(over);
        double slope = SoakMath.slope(m.heap, phases.get(0).endNanos, m.startNanos);
        double inFlightMb = m.maxInFlightStateMb(config.limits());
        // A restart is a failure of the job too (Flink fails it, then restarts it from the last checkpoint).
        boolean ended = m.failure != null;
        boolean failed = ended || m.restarts > 0;
        SoakChart.write(Path.of(System.getProperty("moa.repo.root", "."), "target", "bench", "soak.png"), m.samples,
                phases);

        BenchReport r = new BenchReport("soak")
                .put("engine", "simulated (real time)")
                .put("topology", topology)
                .put("minutes", plan[0])
                .put("queries", total)
                .put("sustained_rate_per_s", Math.round(sustained))
                .put("rate_per_s", Math.round(plan[1] * sustained))
                .put("overload_factor", plan[2])
                .put("overload_minutes", plan[3])
                .put("recovery_load", plan[4])
                .put("recovery_minutes", plan[5])
                .put("lost", lost)
                .put("duplicates", reader.duplicates())
                .put("drained", drained)
                .put("job_failed", failed)
                .put("job_ended", ended)
                .put("failure_cause", ended ? m.failure : m.restartCause)
                .put("restarts", m.restarts)
                .put("restart_cause", m.restartCause)
                .put("checkpoints_completed", m.completedCheckpoints)
                .put("checkpoints_failed", m.failedCheckpoints)
                .put("max_state_mb", round(maxStateMb))
                .put("max_state_mb_soak", round(soakStateMb))
                .put("max_state_mb_overload", round(overStateMb))
                .put("max_checkpoint_ms", maxCheckpointMs)
                .put("last_checkpoint_failure", m.lastCheckpointFailure)
                .put("max_in_flight_state_mb_estimated", round(inFlightMb))
                .put("checkpoint_p50_ms", Math.round(new Percentiles(m.checkpoints.values().stream()
                        .mapToDouble(FlinkRest.Completed::durationMs).toArray()).p(0.5)))
                .put("max_kafka_lag", m.samples.stream().mapToLong(Sample::kafkaLag).max().orElse(0))
                .put("kafka_lag_at_overload_end", lagAtOverloadEnd)
                .put("backpressure_reached_kafka", backpressure)
                .put("latency_p50_ms", Math.round(soakLat.p(0.5)))
                .put("latency_p99_ms", Math.round(soakLat.p(0.99)))
                .put("overload_latency_p50_ms", Math.round(overLat.p(0.5)))
                .put("recovery_tail_latency_p50_ms", Math.round(tailLat.p(0.5)))
                .put("latency_recovered", recovered)
                .put("heap_slope_mb_per_min", round(slope))
                .put("duplicate_window_ms", config.limits().duplicateWindowMs())
                .put("duplicate_state", config.limits().duplicateState().name().toLowerCase(Locale.ROOT))
                .put("checkpoint_storage", storage)
                .put("samples", m.samples.stream().map(SoakBench::asMap).toList());
        StringBuilder rows = new StringBuilder();
        for (PhaseRun p : phases) {
            Percentiles lat = new Percentiles(reader.latencies(p.startNanos, p.endNanos));
            rows.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f | %.0f | %.0f / %.0f ms | %,d | %.1f MB | %d ms |%n",
                    p.name, (p.endNanos - p.startNanos) / 60e9, p.ratePerS, m.answeredRate(p), lat.p(0.5), lat.p(0.99),
                    m.maxLag(p), m.maxStateMb(p), m.maxCheckpointMs(p)));
        }
        r.md(String.format(Locale.ROOT, """
                # Benchmark `soak` (simulated engine, real time)

                All agents ran on the **simulated** engine (fast real-time profile: 2,000 decode tokens/s, 24-token
                outputs). Kafka (in-JVM KRaft) → Flink MiniCluster started as local runs start it (parallelism 1,
                exactly-once, checkpoints every second (storage: %s), restart with back-off, the job's default limits:
                duplicate window %d ms, %s layout; topology %s) → Kafka, read back with read_committed. %d cores.
                Chart: `target/bench/soak.png`.

                | phase | minutes | offered /s | answered /s | latency p50 / p99 | max Kafka lag | max state | slowest checkpoint |
                |---|---:|---:|---:|---:|---:|---:|---:|
                %s
                | measure | value | target |
                |---|---:|---:|
                | sustainable rate (closed loop, saturated) | %.0f queries/s | |
                | queries produced | %,d | |
                | lost / duplicates (read_committed) | %d / %d | 0 / 0 |
                | job failed (ended or restarted) / restarts | %s / %d | no / 0 |
                | checkpoints completed / failed | %d / %d | |
                | max checkpointed state | %.1f MB (soak %.1f, overload %.1f) | bounded |
                | of it beyond the duplicate-id window (in-flight calls, collectors; estimated: state − 8 B × ids answered within the window) | %.1f MB | bounded |
                | checkpoint duration p50 / max | %d / %d ms | |
                | backpressure reached Kafka (lag at the end of the overload > 10 s of the sustainable rate) | %s (%,d queries) | yes |
                | latency recovered (p50 of the recovery's last minute ≤ 2 × the soak's) | %s (%.0f vs %.0f ms) | yes |
                | heap slope after the calibration (full GC before each 30 s sample) | %.2f MB/min | |
                %s
                """, storage, config.limits().duplicateWindowMs(),
                config.limits().duplicateState().name().toLowerCase(Locale.ROOT),
                topology, Runtime.getRuntime().availableProcessors(), rows, sustained, total, lost,
                reader.duplicates(), failed ? "**yes**" : "no", m.restarts, m.completedCheckpoints, m.failedCheckpoints,
                maxStateMb, soakStateMb, overStateMb, inFlightMb,
                Math.round(new Percentiles(m.checkpoints.values().stream().mapToDouble(FlinkRest.Completed::durationMs)
                        .toArray()).p(0.5)), maxCheckpointMs, backpressure ? "yes" : "**no**", lagAtOverloadEnd,
                recovered ? "yes" : "**no**", tailLat.p(0.5), soakLat.p(0.5), slope,
                ended ? "\n**The job failed and ended**: " + m.failure + "\n" : (m.restarts > 0
                        ? "\n**The job failed and restarted**: " + m.restartCause + "\n" : "")));
        return r;
    }

    /** A sample as the JSON report lists it (every 5 s: the time series behind the chart). */
    private static Map<String, Object> asMap(Sample s) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("minute", round(s.minute()));
        m.put("phase", s.phase());
        m.put("offered_per_s", Math.round(s.offeredPerS()));
        m.put("answered_per_s", Math.round(s.answeredPerS()));
        m.put("kafka_lag", s.kafkaLag());
        m.put("state_mb", Double.isNaN(s.stateMb()) ? null : round(s.stateMb()));
        m.put("slowest_checkpoint_ms", s.checkpointMs());
        m.put("failed_checkpoints", s.failedCheckpoints());
        m.put("latency_p50_ms", Double.isNaN(s.latencyP50Ms()) ? null : Math.round(s.latencyP50Ms()));
        return m;
    }

    private static PhaseRun phase(List<PhaseRun> phases, String name) {
        return phases.stream().filter(p -> p.name.equals(name)).findFirst()
                .orElse(new PhaseRun(name, 0, 0, System.nanoTime(), System.nanoTime()));
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    static Query query(long n) {
        long a = n % 997;
        long b = (n / 997) % 991;
        return Query.newBuilder().setId("s-" + n).setText("Which is larger: " + a + " or " + b + "?")
                .setChoices(List.of(String.valueOf(a), String.valueOf(b))).setTaskType(TaskType.MULTIPLE_CHOICE)
                .setGold(a >= b ? "A" : "B").setSubmittedAt(Instant.now()).build();
    }

    /** Drives the producer and samples the job: rates, Kafka lag, checkpoints, restarts, failure, heap. */
    static final class Monitor implements Runnable {
        final AtomicLong produced = new AtomicLong();
        final List<Sample> samples = new ArrayList<>();
        final Map<Long, FlinkRest.Completed> checkpoints = new TreeMap<>();
        final List<double[]> heap = new ArrayList<>(); // {nanos, MB}
        final long startNanos = System.nanoTime();
        final List<long[]> lags = new ArrayList<>(); // {nanos, lag}
        volatile SoakReader reader;
        volatile String failure;
        volatile String phase = "calibration";
        long restarts;
        String restartCause = "";
        String lastCheckpointFailure = "";
        long completedCheckpoints;
        long failedCheckpoints;
        private final JobClient job;
        private final FlinkRest rest;
        private final Admin admin;
        private final String group;
        private volatile boolean running = true;
        private volatile boolean cancelling;

        Monitor(JobClient job, FlinkRest rest, KafkaConnection kafka, String group) {
            this.job = job;
            this.rest = rest;
            this.group = group;
            Map<String, Object> props = new java.util.HashMap<>(kafka.clientProperties());
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            this.admin = Admin.create(props);
            job.getJobExecutionResult().whenComplete((result, error) -> {
                if (!cancelling) {
                    failure = error == null ? "the job finished on its own" : rootCause(error);
                }
            });
        }

        boolean failed() {
            return failure != null;
        }

        /** Keeps the job saturated for {@code seconds}; returns the answer rate over the last two thirds. */
        double closedLoop(QueryProducer producer, int seconds, List<PhaseRun> phases) {
            long start = System.nanoTime();
            long measureFrom = start + seconds * 1_000_000_000L / 3;
            long end = start + seconds * 1_000_000_000L;
            long answeredAtFrom = -1;
            while (System.nanoTime() < end && !failed()) {
                if (answeredAtFrom < 0 && System.nanoTime() >= measureFrom) {
                    answeredAtFrom = reader.distinct();
                }
                // Enough outstanding that the job never idles between checkpoint commits.
                if (produced.get() - reader.distinct() < 50_000) {
                    for (int i = 0; i < 200; i++) {
                        producer.send(query(produced.getAndIncrement()));
                    }
                } else {
                    LockSupport.parkNanos(2_000_000L);
                }
            }
            long stop = System.nanoTime();
            phases.add(new PhaseRun("calibration", Double.NaN, minute(start), start, stop));
            return answeredAtFrom < 0 ? 0 : (reader.distinct() - answeredAtFrom) / ((stop - measureFrom) / 1e9);
        }

        /** Produces at {@code rate} per second for {@code seconds} (open loop: arrivals do not wait for answers). */
        void openLoop(QueryProducer producer, String name, double rate, double seconds, List<PhaseRun> phases) {
            if (failed() || rate <= 0) {
                return;
            }
            phase = name;
            long start = System.nanoTime();
            long base = produced.get();
            long end = start + (long) (seconds * 1e9);
            System.out.printf(Locale.ROOT, "[soak] %s: %.0f queries/s for %.1f min%n", name, rate, seconds / 60);
            while (System.nanoTime() < end && !failed()) {
                long due = start + (long) ((produced.get() - base) * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, 20_000_000L));
                    continue;
                }
                producer.send(query(produced.getAndIncrement()));
            }
            phases.add(new PhaseRun(name, rate, minute(start), start, System.nanoTime()));
        }

        @Override
        public void run() {
            long lastProduced = 0;
            long lastAnswered = 0;
            long last = System.nanoTime();
            long lastLatencyNanos = last;
            long nextHeap = last;
            while (running) {
                try {
                    Thread.sleep(SAMPLE_MS);
                    long now = System.nanoTime();
                    double dt = (now - last) / 1e9;
                    long p = produced.get();
                    long a = reader.distinct();
                    long lag = kafkaLag();
                    synchronized (this) {
                        lags.add(new long[] {now, lag});
                    }
                    double stateMb = Double.NaN;
                    long slowest = 0;
                    if (!failed()) {
                        FlinkRest.Checkpoints c = rest.checkpoints(jobId());
                        completedCheckpoints = c.completed();
                        failedCheckpoints = c.failed();
                        if (!c.lastFailure().isEmpty()) {
                            lastCheckpointFailure = c.lastFailure();
                        }
                        stateMb = c.stateBytes() / 1048576.0;
                        for (FlinkRest.Completed h : rest.history(jobId())) {
                            if (checkpoints.putIfAbsent(h.id(), h) == null) {
                                slowest = Math.max(slowest, h.durationMs());
                            }
                        }
                        long r = rest.restarts(jobId());
                        if (r > restarts) {
                            restarts = r;
                            restartCause = deepestCause(rest.rootException(jobId()));
                            System.out.println("[soak] the job restarted: " + restartCause);
                        }
                    }
                    double heapMb = Double.NaN;
                    if (now >= nextHeap) {
                        System.gc();
                        heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
                        heap.add(new double[] {now, heapMb});
                        nextHeap = now + 30_000_000_000L;
                    }
                    double p50 = new Percentiles(reader.latencies(lastLatencyNanos, now)).p(0.5);
                    lastLatencyNanos = now;
                    Sample sample = new Sample(minute(now), phase, a, (p - lastProduced) / dt, (a - lastAnswered) / dt,
                            lag, stateMb, slowest, failedCheckpoints, p50, heapMb);
                    synchronized (this) {
                        samples.add(sample);
                    }
                    System.out.printf(Locale.ROOT, "[soak] %5.1f min %-11s produced %,d answered %,d (%.0f/s) lag %,d "
                                    + "state %.1f MB checkpoint %d ms p50 %.0f ms%n", sample.minute(), phase, p, a,
                            sample.answeredPerS(), lag, stateMb, slowest, p50);
                    lastProduced = p;
                    lastAnswered = a;
                    last = now;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    System.out.println("[soak] sample failed: " + e);
                }
            }
        }

        void stop() {
            running = false;
        }

        void cancel() {
            cancelling = true;
            try {
                if (!failed()) {
                    job.cancel().get(60, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                System.out.println("[soak] cancel: " + rootCause(e));
            } finally {
                admin.close();
            }
        }

        private String jobId() {
            return job.getJobID().toHexString();
        }

        private long kafkaLag() throws Exception {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            if (committed.isEmpty()) {
                return produced.get();
            }
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }

        synchronized long lagAt(long nanos) {
            long best = 0;
            for (long[] l : lags) {
                if (l[0] <= nanos + SAMPLE_MS * 1_000_000L) {
                    best = l[1];
                }
            }
            return best;
        }

        /**
         * The largest checkpointed state beyond the compact duplicate-id window's 8 bytes an id, the window holding
         * about the ids answered within it: what the in-flight calls and the collectors' joins take.
         */
        synchronized double maxInFlightStateMb(JobConfig.Limits limits) {
            if (limits.duplicateState() != JobConfig.DuplicateState.COMPACT) {
                return Double.NaN;
            }
            double windowMinutes = limits.duplicateWindowMs() / 60_000.0;
            double max = 0;
            for (Sample s : samples) {
                long before = 0;
                for (Sample t : samples) {
                    if (t.minute() <= s.minute() - windowMinutes) {
                        before = t.answered();
                    }
                }
                if (!Double.isNaN(s.stateMb())) {
                    max = Math.max(max, s.stateMb() - 8.0 * (s.answered() - before) / 1048576.0);
                }
            }
            return max;
        }

        synchronized long maxLag(PhaseRun p) {
            return inPhase(p).mapToLong(Sample::kafkaLag).max().orElse(0);
        }

        synchronized double maxStateMb(PhaseRun p) {
            return inPhase(p).mapToDouble(Sample::stateMb).filter(x -> !Double.isNaN(x)).max().orElse(0);
        }

        synchronized long maxCheckpointMs(PhaseRun p) {
            return inPhase(p).mapToLong(Sample::checkpointMs).max().orElse(0);
        }

        synchronized double answeredRate(PhaseRun p) {
            return inPhase(p).mapToDouble(Sample::answeredPerS).average().orElse(0);
        }

        private java.util.stream.Stream<Sample> inPhase(PhaseRun p) {
            double from = p.startMinute;
            double to = minute(p.endNanos);
            return samples.stream().filter(s -> s.minute() > from && s.minute() <= to + SAMPLE_MS / 60_000.0 / 2);
        }

        private double minute(long nanos) {
            return (nanos - startNanos) / 60e9;
        }
    }

    static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** The innermost "Caused by:" of a stack trace's text (the first line when it has none). */
    static String deepestCause(String trace) {
        String cause = trace.lines().findFirst().orElse("");
        for (String line : (Iterable<String>) trace.lines()::iterator) {
            if (line.startsWith("Caused by: ")) {
                cause = line.substring("Caused by: ".length());
            }
        }
        return cause;
    }
}
