package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Soak: the streaming job (exactly-once, checkpoints every second, tree 9-3-1) on the <b>simulated</b> engine in real
 * time, fed at 80% of the maximum rate measured at the start, for {@code --minutes}. A read_committed reader checks
 * every answer's query id (lost, duplicated); the heap is sampled every 10 s after a full GC; its slope is fitted
 * over the run after the warm-up. Kafka (in-JVM broker), the MiniCluster, producer and reader share this JVM, so the
 * heap is theirs together.
 */
final class SoakBench implements Bench.Runner {

    private static final long SAMPLE_MS = 10_000;

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        double minutes = Double.parseDouble(o.string("minutes", "10"));
        double load = Double.parseDouble(o.string("load", "0.8"));
        int calibrate = o.integer("calibration-queries", 20_000);
        double warmupMinutes = Double.parseDouble(o.string("warmup-minutes", String.valueOf(Math.min(3, minutes / 3))));
        long window = o.integer("duplicate-window-ms", 120_000);
        String topology = o.string("topology", "tree-9-3-1");

        EmbeddedKafka kafka = EmbeddedKafka.builder()
                // Bounded disk over a long run: segments roll every 16 MB and go after 2 minutes.
                .brokerProperty("log.segment.bytes", String.valueOf(16 << 20))
                .brokerProperty("log.retention.ms", "120000")
                .brokerProperty("log.retention.check.interval.ms", "10000")
                .start();
        try (kafka) {
            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
            String s = UUID.randomUUID().toString().substring(0, 8);
            String qTopic = "soak-q-" + s;
            String aTopic = "soak-a-" + s;
            kafka.createTopics(1, qTopic, aTopic, "soak-d-" + s);
            JobArgs args = JobArgs.kafka(kafka.bootstrapServers(), qTopic, aTopic, "soak-d-" + s)
                    .set("default_topology", topology)
                    .set("checkpoint_interval_ms", 1000)
                    .set("limits.duplicate_window_ms", window)
                    .simOption("decode_tps", 2000).simOption("prefill_tps", 50000).simOption("overhead_ms", 1)
                    .simOption("output_mean_tokens", 24).simOption("output_p95_tokens", 48);
            JobConfig config = ConfigLoader.fromArgs(args.toArray());
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // a failure ends the soak, loudly
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
            MoaJob.build(env, config);
            JobClient job = env.executeAsync("soak");

            Reader reader = new Reader(connection, aTopic);
            Thread readerThread = new Thread(reader, "soak-reader");
            readerThread.start();
            AtomicLong produced = new AtomicLong();
            List<double[]> heap = new ArrayList<>(); // {minute, MB}
            double maxRate;
            long soakStart;
            long calibrationQueries;
            try (QueryProducer producer = new QueryProducer(connection, qTopic)) {
                // Calibration: a burst as fast as the producer goes (after a warm-up burst of half its size);
                // the maximum rate is the answer rate while the middle half of it drains. Answers become visible
                // when a checkpoint commits, so the burst doubles until that half spans at least 5 s (5 checkpoints):
                // a shorter span would measure commit bursts, not throughput.
                burst(producer, produced, calibrate / 2);
                reader.await(produced.get(), Duration.ofMinutes(5));
                int size = calibrate;
                while (true) {
                    long base = produced.get();
                    reader.mark(base + size / 4, base + 3L * size / 4);
                    burst(producer, produced, size);
                    long[] marks = reader.timesOf(base + size / 4, base + 3L * size / 4, Duration.ofMinutes(10));
                    double spanS = (marks[1] - marks[0]) / 1e9;
                    reader.await(produced.get(), Duration.ofMinutes(5));
                    if (spanS >= 5 || size >= 1_000_000) {
                        maxRate = (size / 2.0) / spanS;
                        break;
                    }
                    System.out.printf(Locale.ROOT, "[soak] calibration burst of %d drained in %.1f s; doubling%n", size,
                            spanS);
                    size *= 2;
                }
                double rate = load * maxRate;
                System.out.printf(Locale.ROOT, "[soak] maximum rate %.0f queries/s; soaking at %.0f (%.0f%%) for %.1f min%n",
                        maxRate, rate, load * 100, minutes);

                // The soak: open loop at the chosen rate; heap sampled every 10 s after a full GC.
                soakStart = System.nanoTime();
                long soakBase = produced.get();
                calibrationQueries = soakBase;
                long end = soakStart + (long) (minutes * 60e9);
                long nextSample = soakStart;
                while (System.nanoTime() < end) {
                    long now = System.nanoTime();
                    if (now >= nextSample) {
                        System.gc();
                        double mb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
                        double minute = (now - soakStart) / 60e9;
                        heap.add(new double[] {minute, mb});
                        System.out.printf(Locale.ROOT, "[soak] %5.1f / %.0f min: produced %d, answered %d, heap %.0f MB%n",
                                minute, minutes, produced.get() - soakBase, reader.distinct() - soakBase, mb);
                        nextSample += SAMPLE_MS * 1_000_000L;
                    }
                    long due = soakStart + (long) ((produced.get() - soakBase) * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(Math.min(wait, 50_000_000L));
                        continue;
                    }
                    producer.send(query(produced.getAndIncrement()));
                }
                producer.flush();
            }
            boolean drained = reader.await(produced.get(), Duration.ofMinutes(3));
            Thread.sleep(3_000); // anything after the last expected answer would be a duplicate
            reader.stop();
            readerThread.join(30_000);
            job.cancel().get();

            long total = produced.get();
            long lost = total - reader.distinct();
            long duplicates = reader.duplicates();
            double slope = slope(heap, warmupMinutes);
            double soakQueries = total - calibrationQueries;
            List<Double> latencies = reader.latencySample();
            Percentiles lat = new Percentiles(latencies.stream().mapToDouble(Double::doubleValue).toArray());
            double firstHeap = heap.isEmpty() ? 0 : heap.get(0)[1];
            double lastHeap = heap.isEmpty() ? 0 : heap.get(heap.size() - 1)[1];
            writeChart(heap, warmupMinutes);
            BenchReport r = new BenchReport("soak")
                    .put("engine", "simulated (real time)")
                    .put("minutes", minutes)
                    .put("queries", total)
                    .put("soak_queries", (long) soakQueries)
                    .put("max_rate_per_s", Math.round(maxRate))
                    .put("rate_per_s", Math.round(load * maxRate))
                    .put("lost", lost)
                    .put("duplicates", duplicates)
                    .put("drained", drained)
                    .put("heap_slope_mb_per_min", Math.round(slope * 1000) / 1000.0)
                    .put("heap_first_mb", Math.round(firstHeap))
                    .put("heap_last_mb", Math.round(lastHeap))
                    .put("heap_samples", heap.size())
                    .put("warmup_minutes", warmupMinutes)
                    .put("latency_p50_ms", Math.round(lat.p(0.5)))
                    .put("latency_p99_ms", Math.round(lat.p(0.99)))
                    .put("duplicate_window_ms", window);
            r.md(String.format(Locale.ROOT, """
                    # Benchmark `soak` (simulated engine, real time)

                    All agents ran on the **simulated** engine (fast real-time profile: 2,000 decode tokens/s, 24-token
                    outputs). Kafka (in-JVM KRaft) → Flink MiniCluster (parallelism 1, exactly-once, checkpoints every
                    1 s, topology %s) → Kafka, read back with read_committed. %d cores.

                    | measure | value | target |
                    |---|---:|---:|
                    | measured maximum rate | %.0f queries/s | |
                    | soak rate (%.0f%% of it) | %.0f queries/s | |
                    | duration | %.1f min | 30 |
                    | queries (calibration + soak) | %,d | |
                    | lost | %d | 0 |
                    | duplicates | %d | 0 |
                    | heap slope after %.1f min of warm-up (full GC before each 10 s sample) | %.3f MB/min | ≈ 0 |
                    | heap at the first / last sample | %.0f / %.0f MB | |
                    | answer latency p50 / p99 (1%% sample; exactly-once: visible at checkpoint completion) | %.0f / %.0f ms | |

                    Heap over time: `target/bench/soak.html`. Heap includes the broker, producer and reader in the same
                    JVM. The router remembers query ids for limits.duplicate_window_ms = %d ms, so the heap rises for
                    that long, then levels off.
                    """, topology, Runtime.getRuntime().availableProcessors(), maxRate, load * 100, load * maxRate,
                    minutes, total, lost, duplicates, warmupMinutes, slope, firstHeap, lastHeap, lat.p(0.5),
                    lat.p(0.99), window));
            return r;
        }
    }

    private static Query query(long n) {
        long a = n % 997;
        long b = (n / 997) % 991;
        return Query.newBuilder().setId("s-" + n).setText("Which is larger: " + a + " or " + b + "?")
                .setChoices(List.of(String.valueOf(a), String.valueOf(b))).setTaskType(TaskType.MULTIPLE_CHOICE)
                .setGold(a >= b ? "A" : "B").setSubmittedAt(Instant.now()).build();
    }

    private static void burst(QueryProducer p, AtomicLong produced, int n) {
        for (int i = 0; i < n; i++) {
            p.send(query(produced.getAndIncrement()));
        }
        p.flush();
    }

    /** Least-squares slope of MB over minutes, for samples after the warm-up. */
    static double slope(List<double[]> samples, double afterMinutes) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (double[] p : samples) {
            if (p[0] < afterMinutes) {
                continue;
            }
            n++;
            sx += p[0];
            sy += p[1];
            sxx += p[0] * p[0];
            sxy += p[0] * p[1];
        }
        double d = n * sxx - sx * sx;
        return n < 3 || d == 0 ? Double.NaN : (n * sxy - sx * sy) / d;
    }

    private static void writeChart(List<double[]> heap, double warmup) throws Exception {
        double maxX = heap.stream().mapToDouble(p -> p[0]).max().orElse(1);
        double maxY = heap.stream().mapToDouble(p -> p[1]).max().orElse(1) * 1.1;
        StringBuilder pts = new StringBuilder();
        for (double[] p : heap) {
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", 60 + p[0] / maxX * 700, 320 - p[1] / maxY * 280));
        }
        double wx = 60 + warmup / maxX * 700;
        String html = String.format(Locale.ROOT, """
                <!doctype html><html><head><meta charset="utf-8"><title>soak: heap</title></head><body>
                <h3>Soak: heap used after full GC, every 10 s (simulated engine)</h3>
                <svg width="800" height="360" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">
                <line x1="60" y1="320" x2="760" y2="320" stroke="#000"/><line x1="60" y1="40" x2="60" y2="320" stroke="#000"/>
                <text x="380" y="350">minutes (0 - %.1f)</text><text x="5" y="30">MB (0 - %.0f)</text>
                <line x1="%.1f" y1="40" x2="%.1f" y2="320" stroke="#bbb" stroke-dasharray="4"/>
                <text x="%.1f" y="55" fill="#888">end of warm-up</text>
                <polyline points="%s" fill="none" stroke="#1f77b4" stroke-width="2"/>
                </svg></body></html>
                """, maxX, maxY, wx, wx, wx + 4, pts);
        Path out = Path.of(System.getProperty("moa.repo.root", "."), "target", "bench", "soak.html");
        Files.createDirectories(out.getParent());
        Files.writeString(out, html);
    }

    /** Reads answer keys (query ids) with read_committed; decodes 1% of the values for latency. */
    private static final class Reader implements Runnable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final AvroCodec<Answer> codec = AvroCodec.of(Answer.class);
        private final BitSet seen = new BitSet();
        private final AtomicLong distinct = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<Long, Long> reachedAt = new HashMap<>();
        private final List<Double> latencies = new ArrayList<>();
        private volatile RuntimeException failure;

        Reader(KafkaConnection c, String topic) {
            consumer = AnswerReader.committedConsumer(c, "soak-reader-");
            consumer.subscribe(List.of(topic));
        }

        @Override
        public void run() {
            try {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        long n = Long.parseLong(r.key().substring(2));
                        synchronized (this) {
                            if (seen.get((int) n)) {
                                duplicates.incrementAndGet();
                            } else {
                                seen.set((int) n);
                                distinct.incrementAndGet();
                            }
                            if (n % 100 == 0) {
                                Answer a = codec.decode(r.value());
                                latencies.add((double) (a.getAnsweredAt().toEpochMilli()
                                        - a.getSubmittedAt().toEpochMilli()));
                            }
                            long d = distinct.get();
                            reachedAt.computeIfPresent(d, (k, v) -> v < 0 ? System.nanoTime() : v);
                        }
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            } catch (dev.moaflink.connectors.kafka.DecodeException e) {
                failure = new IllegalStateException("undecodable answer: " + e.getMessage(), e);
            } finally {
                consumer.close();
            }
        }

        long distinct() {
            return distinct.get();
        }

        long duplicates() {
            return duplicates.get();
        }

        synchronized List<Double> latencySample() {
            return new ArrayList<>(latencies);
        }

        /** Waits until {@code count} distinct answers arrived; false on timeout. */
        boolean await(long count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (distinct.get() < count) {
                check();
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        }

        /** Records when the distinct-answer count reaches {@code a} and {@code b}. */
        synchronized void mark(long a, long b) {
            reachedAt.put(a, -1L);
            reachedAt.put(b, -1L);
        }

        /** The times (nanoTime) at which the distinct-answer count reached the marks {@code a} and {@code b}. */
        long[] timesOf(long a, long b, Duration timeout) throws InterruptedException {
            if (!await(b, timeout)) {
                throw new IllegalStateException("calibration: only " + distinct.get() + " answers of " + b);
            }
            synchronized (this) {
                return new long[] {reachedAt.get(a), reachedAt.get(b)};
            }
        }

        private void check() {
            if (failure != null) {
                throw new IllegalStateException("answer reader failed", failure);
            }
        }

        void stop() {
            running.set(false);
        }
    }
}
