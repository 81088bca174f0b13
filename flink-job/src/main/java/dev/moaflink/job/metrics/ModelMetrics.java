package dev.moaflink.job.metrics;

import dev.moaflink.engine.EngineLoad;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.schema.NodeStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * What one agent operator measures per model it serves, in a metric group {@code model=<name>} (a Prometheus
 * label): per finished call the phase times (histograms, ms: queue, prefill, exposed prefill, decode, first token,
 * call = queue + exposed prefill + decode) and decode speed (tokens/s); prompt, cached prompt (taken from the
 * engine's prefix cache) and output token counters and an output-token rate; calls by outcome, retries and failures; calls in flight now; and, when the engine tracks it,
 * the engine's own load (sessions waiting and decoding, KV tokens used and available). The engine is shared by
 * every operator of a JVM, so its load gauges repeat under each operator that uses it.
 *
 * <p>Called on the operator's task thread only; gauges are read by the reporter thread.
 */
public final class ModelMetrics {

    /** Samples kept per histogram (a sliding window; quantiles are over the latest calls). */
    public static final int WINDOW = 1024;

    private final Histogram queueMs;
    private final Histogram prefillMs;
    private final Histogram prefillExposedMs;
    private final Histogram decodeMs;
    private final Histogram firstTokenMs;
    private final Histogram callMs;
    private final Histogram decodeTokensPerSecond;
    private final Counter promptTokens;
    private final Counter promptTokensCached;
    private final Counter outputTokens;
    private final Counter ran;
    private final Counter cancelled;
    private final Counter failed;
    private final Counter retries;
    private volatile int inFlight;

    public ModelMetrics(MetricGroup operatorGroup, String model, LlmEngine engine) {
        MetricGroup g = operatorGroup.addGroup("model", model);
        queueMs = histogram(g, "queueMs");
        prefillMs = histogram(g, "prefillMs");
        prefillExposedMs = histogram(g, "prefillExposedMs");
        decodeMs = histogram(g, "decodeMs");
        firstTokenMs = histogram(g, "firstTokenMs");
        callMs = histogram(g, "callMs");
        decodeTokensPerSecond = histogram(g, "decodeTokensPerSecond");
        promptTokens = g.counter("promptTokens");
        promptTokensCached = g.counter("promptTokensCached");
        outputTokens = g.counter("outputTokens");
        g.meter("outputTokensPerSecond", new MeterView(outputTokens));
        ran = g.counter("callsRan");
        cancelled = g.counter("callsCancelled");
        failed = g.counter("callsFailed");
        retries = g.counter("callRetries");
        g.gauge("callsInFlight", (Gauge<Integer>) () -> inFlight);
        if (engine.load() != null) {
            g.gauge("engineWaitingSessions", (Gauge<Integer>) () -> engine.load().waitingSessions());
            g.gauge("engineDecodingSessions", (Gauge<Integer>) () -> engine.load().decodingSessions());
            g.gauge("engineKvUsedTokens", (Gauge<Long>) () -> engine.load().kvUsedTokens());
            g.gauge("engineKvUtilization", (Gauge<Double>) () -> {
                EngineLoad l = engine.load();
                return l.kvCapacityTokens() == 0 ? 0.0 : (double) l.kvUsedTokens() / l.kvCapacityTokens();
            });
        }
    }

    private static Histogram histogram(MetricGroup g, String name) {
        return g.histogram(name, new WindowHistogram(WINDOW));
    }

    /** A call was handed to the engine. */
    public void started() {
        inFlight++;
    }

    /** A call left the engine (finished, failed, or going to be retried). */
    public void ended() {
        inFlight--;
    }

    public void retried() {
        retries.inc();
    }

    /** A call's outcome: counted by status; timings and tokens recorded for calls the engine ran. */
    public void finished(NodeStatus status, PhaseTimings t, int prompt, int cachedPrompt, int output) {
        switch (status) {
            case RAN -> ran.inc();
            case CANCELLED -> cancelled.inc();
            case FAILED -> failed.inc();
            case SKIPPED -> { }
        }
        if (status != NodeStatus.RAN && status != NodeStatus.CANCELLED) {
            return;
        }
        promptTokens.inc(prompt);
        promptTokensCached.inc(cachedPrompt);
        outputTokens.inc(output);
        queueMs.update(Math.round(t.queueMs()));
        prefillMs.update(Math.round(t.prefillMs()));
        prefillExposedMs.update(Math.round(t.prefillExposedMs()));
        decodeMs.update(Math.round(t.decodeMs()));
        if (output > 0) {
            firstTokenMs.update(Math.round(t.firstTokenMs()));
        }
        callMs.update(Math.round(t.queueMs() + t.prefillExposedMs() + t.decodeMs()));
        if (output > 0 && t.decodeMs() > 0) {
            decodeTokensPerSecond.update(Math.round(output * 1000.0 / t.decodeMs()));
        }
    }
}
