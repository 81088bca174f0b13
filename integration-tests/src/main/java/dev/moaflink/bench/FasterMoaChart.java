package dev.moaflink.bench;

import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;

/** {@code faster-moa.png}: each variant's p50 speed-up over dense, a bar per engine, simulated engines labelled so. */
final class FasterMoaChart {

    private FasterMoaChart() {}

    /** Writes the chart; returns its path relative to {@code root}, or null when no variant had dense to compare. */
    static String write(Path root, List<EngineRun> runs) throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        boolean simulated = false;
        for (EngineRun run : runs) {
            VariantOutcome dense = run.get("dense");
            String series = run.engine() + (run.simulated() ? " (simulated, virtual time)" : " (real inference)");
            for (VariantOutcome o : run.outcomes()) {
                Double speedup = o.metrics() == null ? null : VersusDense.of(o, dense).speedup();
                if (speedup != null) {
                    data.addValue(speedup, series, o.variant().name());
                    simulated |= run.simulated();
                }
            }
        }
        if (data.getRowCount() == 0) {
            return null;
        }
        CategoryPlot plot = BenchCharts.bars(data, "variant", "p50 speed-up over dense (×, higher is faster)",
                "0.0×");
        BenchCharts.line(plot, 1, "dense (1×)");
        Path png = BenchCharts.png("faster-moa");
        BenchCharts.write(png, BenchCharts.chart("Faster-MoA: p50 latency speed-up over dense per variant"
                + (simulated ? " (sim engines: simulated)" : ""), plot, true), 1300, 620);
        return root.relativize(png.toAbsolutePath()).toString();
    }
}
