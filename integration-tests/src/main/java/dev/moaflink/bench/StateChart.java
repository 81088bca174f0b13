package dev.moaflink.bench;

import java.util.List;
import java.util.Locale;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * {@code state.png}: per variant (layout and state backend) the bytes an id takes, the checkpointed state beside what
 * a checkpoint writes, and the checkpoints' duration, one panel each over the same variants.
 */
final class StateChart {

    private StateChart() {}

    /** {@code ids} filled, then {@code rate} ids/s for {@code tailSeconds}: the checkpoints of that tail. */
    static void write(List<StateBench.Result> results, long ids, int rate, int tailSeconds) throws Exception {
        DefaultCategoryDataset perId = new DefaultCategoryDataset();
        DefaultCategoryDataset size = new DefaultCategoryDataset();
        DefaultCategoryDataset duration = new DefaultCategoryDataset();
        for (StateBench.Result x : results) {
            String v = x.variant().name();
            perId.addValue(x.stateBytes() / x.ids(), "bytes per id", v);
            size.addValue(x.stateBytes() / 1048576.0, "state held", v);
            size.addValue(x.uploadedBytes() / 1048576.0, "written per checkpoint", v);
            duration.addValue(x.p50Ms(), "duration p50", v);
            duration.addValue(x.maxMs(), "duration max", v);
        }
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(new CategoryAxis("layout, state backend"));
        plot.add(panel(perId, "bytes per id", "0.0", 0));
        plot.add(panel(size, "MB (median)", "0.00", 1));
        plot.add(panel(duration, "checkpoint ms", "#,##0", 3));
        plot.setGap(12);
        BenchCharts.write(BenchCharts.png("state"), BenchCharts.chart(String.format(Locale.ROOT,
                "State: the duplicate-id window at checkpoints (%,d ids, then %,d/s for %d s)", ids, rate, tailSeconds),
                plot, true), 900, 900);
    }

    /** A panel whose series take colours from {@code firstColor} on, so that the legend tells them apart. */
    private static CategoryPlot panel(DefaultCategoryDataset data, String axis, String format, int firstColor) {
        CategoryPlot p = BenchCharts.bars(data, null, axis, format);
        for (int i = 0; i < data.getRowCount(); i++) {
            p.getRenderer().setSeriesPaint(i, BenchCharts.COLORS[firstColor + i]);
        }
        return p;
    }
}
