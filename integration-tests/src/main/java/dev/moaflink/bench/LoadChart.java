package dev.moaflink.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code load.png}: per engine, p95 latency (log scale) against the achieved rate, a line per variant. */
final class LoadChart {

    private LoadChart() {}

    static void draw(List<LoadReport.EngineResult> results, double objectiveFactor) throws Exception {
        List<JFreeChart> panels = new ArrayList<>();
        for (LoadReport.EngineResult e : results) {
            XYSeriesCollection lines = new XYSeriesCollection();
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
            for (LoadPlan.VariantRun v : e.variants()) {
                XYSeries s = new XYSeries(v.name());
                for (LoadDriver.RatePoint p : v.points()) {
                    if (Double.isFinite(p.p95Ms()) && p.p95Ms() > 0) {
                        s.add(p.achievedPerS(), p.p95Ms());
                    }
                }
                renderer.setSeriesPaint(lines.getSeriesCount(), BenchCharts.COLORS[lines.getSeriesCount()]);
                renderer.setSeriesStroke(lines.getSeriesCount(), new BasicStroke(2f));
                lines.addSeries(s);
            }
            LogAxis latency = new LogAxis("p95 latency, ms (log scale)");
            latency.setNumberFormatOverride(new DecimalFormat("#,##0"));
            XYPlot plot = new XYPlot(lines, new NumberAxis("achieved queries/s"), latency, renderer);
            BenchCharts.style(plot);
            double objective = objectiveFactor * e.variant("dense").unloadedP50Ms();
            if (Double.isFinite(objective)) {
                plot.addRangeMarker(new ValueMarker(objective, Color.DARK_GRAY, new BasicStroke(1.5f,
                        BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0)));
            }
            boolean sim = e.engine().equals("sim");
            panels.add(BenchCharts.panel(sim ? "Simulated engine, real time (dashed: common objective)"
                    : "DJL, bundled tiny models (dashed: common objective)", plot, true));
        }
        BenchCharts.writeRow(BenchCharts.png("load"), "Latency against load: dense, tree and the full mechanism set",
                panels, 640, 480);
    }
}
