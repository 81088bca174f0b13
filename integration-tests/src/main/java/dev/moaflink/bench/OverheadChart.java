package dev.moaflink.bench;

import java.util.List;
import java.util.Locale;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * {@code overhead.png}, three panels of the simulated engine's figures: throughput of each measured batch (per
 * CPU-second against the target, and by the wall clock), the framework's latency percentiles with a zero-cost engine,
 * and with real-time profiles the mean latency beside the engine's critical path.
 */
final class OverheadChart {

    private OverheadChart() {}

    /**
     * @param perCore   queries per CPU-second of the job's threads and GC, per measured batch
     * @param wallQps   queries per second by the wall clock, per measured batch
     * @param latency   answer latencies of the paced queries (zero-cost engine)
     * @param wallMs    real-time profiles: mean answer latency
     * @param engineMs  real-time profiles: mean engine time on the critical path
     */
    static void write(double[] perCore, double[] wallQps, Percentiles latency, int latencyRate, double wallMs,
                      double engineMs) throws Exception {
        DefaultCategoryDataset throughput = new DefaultCategoryDataset();
        for (int b = 0; b < perCore.length; b++) {
            throughput.addValue(perCore[b], "per CPU-second (job + GC)", "batch " + (b + 1));
            throughput.addValue(wallQps[b], "by the wall clock", "batch " + (b + 1));
        }
        CategoryPlot batches = BenchCharts.bars(throughput, "measured batch", "queries/s", "#,##0");
        BenchCharts.line(batches, 20_000, "target: 20,000 per core");

        DefaultCategoryDataset percentiles = new DefaultCategoryDataset();
        for (double q : new double[] {0.5, 0.9, 0.99, 1.0}) {
            String name = q == 1.0 ? "max" : String.format(Locale.ROOT, "p%.0f", q * 100);
            percentiles.addValue(latency.p(q), "latency", name);
        }
        CategoryPlot framework = BenchCharts.bars(percentiles, "percentile", "ms", "#,##0.#");

        DefaultCategoryDataset realtime = new DefaultCategoryDataset();
        realtime.addValue(wallMs, "mean", "answer latency (wall)");
        realtime.addValue(engineMs, "mean", "engine critical path");
        CategoryPlot profiles = BenchCharts.bars(realtime, "", "ms", "#,##0");

        BenchCharts.writeRow(BenchCharts.png("overhead"), "Overhead of Kafka → Flink → Kafka (simulated engine)", List.of(
                BenchCharts.panel("Throughput, zero-cost engine", batches, true),
                BenchCharts.panel(String.format(Locale.ROOT, "Framework latency, zero-cost engine at %d q/s",
                        latencyRate), framework, false),
                BenchCharts.panel(String.format(Locale.ROOT, "Real-time profiles: overhead %.2f %%",
                        (wallMs - engineMs) / engineMs * 100), profiles, false)), 520, 460);
    }
}
