package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.job.config.JobConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples the soak every 5 s, as an operator would watch the job: offered and answered rates, the job's Kafka lag,
 * its checkpoints, restarts and failures (Flink's REST API), answer latency and, every 30 s after a full GC, the
 * heap. Then answers questions about the samples of a phase.
 */
final class SoakSampler implements Runnable {

    static final long SAMPLE_MS = 5_000;

    /** One sample of the run. */
    record Sample(double minute, String phase, long answered, double offeredPerS, double answeredPerS, long kafkaLag,
                  double stateMb, long checkpointMs, long failedCheckpoints, double latencyP50Ms, double heapMb) {}

    final List<Sample> samples = new ArrayList<>();
    final Map<Long, FlinkRest.Completed> checkpoints = new TreeMap<>();
    final List<double[]> heap = new ArrayList<>(); // {nanos, MB}
    long restarts;
    String restartCause = "";
    String lastCheckpointFailure = "";
    long completedCheckpoints;
    long failedCheckpoints;
    private final List<long[]> lags = new ArrayList<>(); // {nanos, lag}
    private final SoakJob job;
    private final FlinkRest rest;
    private final Admin admin;
    private final String group;
    private final SoakReader reader;
    private final SoakDriver driver;
    private volatile boolean running = true;

    SoakSampler(SoakJob job, FlinkRest rest, KafkaConnection kafka, String group, SoakReader reader,
                SoakDriver driver) {
        this.job = job;
        this.rest = rest;
        this.group = group;
        this.reader = reader;
        this.driver = driver;
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        this.admin = Admin.create(props);
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
                long p = driver.produced();
                long a = reader.distinct();
                long lag = kafkaLag();
                synchronized (this) {
                    lags.add(new long[] {now, lag});
                }
                double stateMb = Double.NaN;
                long slowest = 0;
                if (!job.failed()) {
                    FlinkRest.Checkpoints c = rest.checkpoints(job.id());
                    completedCheckpoints = c.completed();
                    failedCheckpoints = c.failed();
                    if (!c.lastFailure().isEmpty()) {
                        lastCheckpointFailure = c.lastFailure();
                    }
                    stateMb = c.stateBytes() / 1048576.0;
                    for (FlinkRest.Completed h : rest.history(job.id())) {
                        if (checkpoints.putIfAbsent(h.id(), h) == null) {
                            slowest = Math.max(slowest, h.durationMs());
                        }
                    }
                    long r = rest.restarts(job.id());
                    if (r > restarts) {
                        restarts = r;
                        restartCause = deepestCause(rest.rootException(job.id()));
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
                String phase = driver.currentPhase();
                Sample sample = new Sample(job.minute(now), phase, a, (p - lastProduced) / dt, (a - lastAnswered) / dt,
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

    void close() {
        admin.close();
    }

    /** Queries on the topic that the job's consumer group has not committed (all produced before its first commit). */
    private long kafkaLag() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        if (committed.isEmpty()) {
            return driver.produced();
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
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

    synchronized long maxLag(SoakDriver.PhaseRun p) {
        return inPhase(p).mapToLong(Sample::kafkaLag).max().orElse(0);
    }

    synchronized double maxStateMb(SoakDriver.PhaseRun p) {
        return inPhase(p).mapToDouble(Sample::stateMb).filter(x -> !Double.isNaN(x)).max().orElse(0);
    }

    synchronized long maxCheckpointMs(SoakDriver.PhaseRun p) {
        return inPhase(p).mapToLong(Sample::checkpointMs).max().orElse(0);
    }

    synchronized double answeredRate(SoakDriver.PhaseRun p) {
        return inPhase(p).mapToDouble(Sample::answeredPerS).average().orElse(0);
    }

    private Stream<Sample> inPhase(SoakDriver.PhaseRun p) {
        double from = p.startMinute();
        double to = job.minute(p.endNanos());
        return samples.stream().filter(s -> s.minute() > from && s.minute() <= to + SAMPLE_MS / 60_000.0 / 2);
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
