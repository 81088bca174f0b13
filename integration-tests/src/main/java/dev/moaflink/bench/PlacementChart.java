package dev.moaflink.bench;

import java.util.Locale;
import java.util.Map;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * {@code placement.png}: per plan the expert stage's time as run through the job (simulated, virtual time) and as
 * planned, and the aggregator stage's, against the lower bound (total expert work ÷ workers).
 */
final class PlacementChart {

    private PlacementChart() {}

    /**
     * @param results    per plan key (rr, dp, opt) its figures, as the report's JSON has them
     * @param lowerBound the lower bound of the expert stage, seconds
     */
    static void write(Map<String, Map<String, Object>> results, double lowerBound, int workers, String workerType)
            throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, Map<String, Object>> e : results.entrySet()) {
            String plan = PlacementBench.label(e.getKey());
            Map<String, Object> v = e.getValue();
            if (v.get("expert_makespan_s") instanceof Double run) {
                data.addValue(run, "expert stage, as run", plan);
            }
            data.addValue((Double) v.get("planned_expert_makespan_s"), "expert stage, as planned", plan);
            if (v.get("aggregator_stage_s") instanceof Double aggregators) {
                data.addValue(aggregators, "aggregator stage, as run", plan);
            }
        }
        CategoryPlot plot = BenchCharts.bars(data, "placement plan", "seconds (virtual time)", "#,##0");
        BenchCharts.line(plot, lowerBound, String.format(Locale.ROOT, "expert-stage lower bound %.0f s", lowerBound));
        BenchCharts.write(BenchCharts.png("placement"), BenchCharts.chart(String.format(Locale.ROOT,
                "Placement (simulated engine, virtual time): expert stage per plan vs lower bound, %d × %s", workers,
                workerType), plot, true), 1000, 560);
    }
}
