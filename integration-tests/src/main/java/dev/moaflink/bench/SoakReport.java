package dev.moaflink.bench;

import dev.moaflink.job.config.JobConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The soak's report: its JSON (the time series behind the chart included), the markdown tables and the chart. */
final class SoakReport {

    private SoakReport() {}

    /** What the soak ran and saw. */
    record Run(JobConfig config, String storage, String topology, SoakBench.Plan plan, double sustained,
               boolean drained, SoakJob job, SoakDriver driver, SoakSampler sampler, SoakReader reader) {}

    static BenchReport of(Run run) throws Exception {
        SoakSampler m = run.sampler();
        SoakReader reader = run.reader();
        SoakBench.Plan plan = run.plan();
        JobConfig config = run.config();
        double sustained = run.sustained();
        long total = run.driver().produced();
        long lost = total - reader.distinct();
        SoakDriver.PhaseRun soak = run.driver().phaseRun("soak");
        SoakDriver.PhaseRun over = run.driver().phaseRun("overload");
        SoakDriver.PhaseRun recovery = run.driver().phaseRun("recovery");
        Percentiles soakLat = new Percentiles(reader.latencies(soak.startNanos(), soak.endNanos()));
        Percentiles overLat = new Percentiles(reader.latencies(over.startNanos(), over.endNanos()));
        long tailFrom = Math.max(recovery.startNanos(), recovery.endNanos() - 60_000_000_000L);
        Percentiles tailLat = new Percentiles(reader.latencies(tailFrom, recovery.endNanos()));
        long lagAtOverloadEnd = m.lagAt(over.endNanos());
        boolean backpressure = lagAtOverloadEnd > 10 * sustained;
        boolean recovered = tailLat.p(0.5) <= 2 * soakLat.p(0.5);
        double maxStateMb = m.samples.stream().mapToDouble(SoakSampler.Sample::stateMb).filter(x -> !Double.isNaN(x))
                .max().orElse(0);
        long maxCheckpointMs = m.checkpoints.values().stream().mapToLong(FlinkRest.Completed::durationMs).max()
                .orElse(0);
        long checkpointP50Ms = Math.round(new Percentiles(m.checkpoints.values().stream()
                .mapToDouble(FlinkRest.Completed::durationMs).toArray()).p(0.5));
        double soakStateMb = m.maxStateMb(soak);
        double overStateMb = m.maxStateMb(over);
        double slope = SoakMath.slope(m.heap, run.driver().phases().get(0).endNanos(), run.job().startNanos());
        double inFlightMb = m.maxInFlightStateMb(config.limits());
        // A restart is a failure of the job too (Flink fails it, then restarts it from the last checkpoint).
        boolean ended = run.job().failed();
        boolean failed = ended || m.restarts > 0;
        SoakChart.write(BenchCharts.png("soak"), m.samples, run.driver().phases());

        BenchReport r = new BenchReport("soak")
                .put("engine", "simulated (real time)")
                .put("topology", run.topology())
                .put("minutes", plan.minutes())
                .put("queries", total)
                .put("sustained_rate_per_s", Math.round(sustained))
                .put("rate_per_s", Math.round(plan.load() * sustained))
                .put("overload_factor", plan.overloadFactor())
                .put("overload_minutes", plan.overloadMinutes())
                .put("recovery_load", plan.recoveryLoad())
                .put("recovery_minutes", plan.recoveryMinutes())
                .put("lost", lost)
                .put("duplicates", reader.duplicates())
                .put("drained", run.drained())
                .put("job_failed", failed)
                .put("job_ended", ended)
                .put("failure_cause", ended ? run.job().failure() : m.restartCause)
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
                .put("checkpoint_p50_ms", checkpointP50Ms)
                .put("max_kafka_lag", m.samples.stream().mapToLong(SoakSampler.Sample::kafkaLag).max().orElse(0))
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
                .put("checkpoint_storage", run.storage())
                .put("samples", m.samples.stream().map(SoakReport::asMap).toList());
        StringBuilder rows = new StringBuilder();
        for (SoakDriver.PhaseRun p : run.driver().phases()) {
            Percentiles lat = new Percentiles(reader.latencies(p.startNanos(), p.endNanos()));
            rows.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f | %.0f | %.0f / %.0f ms | %,d | %.1f MB | %d ms |%n",
                    p.name(), (p.endNanos() - p.startNanos()) / 60e9, p.ratePerS(), m.answeredRate(p), lat.p(0.5),
                    lat.p(0.99), m.maxLag(p), m.maxStateMb(p), m.maxCheckpointMs(p)));
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
                """, run.storage(), config.limits().duplicateWindowMs(),
                config.limits().duplicateState().name().toLowerCase(Locale.ROOT),
                run.topology(), Runtime.getRuntime().availableProcessors(), rows, sustained, total, lost,
                reader.duplicates(), failed ? "**yes**" : "no", m.restarts, m.completedCheckpoints, m.failedCheckpoints,
                maxStateMb, soakStateMb, overStateMb, inFlightMb, checkpointP50Ms, maxCheckpointMs,
                backpressure ? "yes" : "**no**", lagAtOverloadEnd,
                recovered ? "yes" : "**no**", tailLat.p(0.5), soakLat.p(0.5), slope,
                ended ? "\n**The job failed and ended**: " + run.job().failure() + "\n" : (m.restarts > 0
                        ? "\n**The job failed and restarted**: " + m.restartCause + "\n" : "")));
        return r;
    }

    /** A sample as the JSON report lists it (every 5 s: the time series behind the chart). */
    private static Map<String, Object> asMap(SoakSampler.Sample s) {
        Map<String, Object> m = new LinkedHashMap<>();
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

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
