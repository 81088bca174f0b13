package dev.moaflink.bench;

import java.awt.BasicStroke;
import java.text.DecimalFormat;
import java.util.List;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code engine.png}: per model, decode tokens/s against the batch size, the engine's line solid and the plain
 * libtorch loop's dashed in the same colour; beside it the two ratios the targets are about.
 */
final class EngineChart {

    /** One model's medians: engine decode tokens/s per batch size, the raw loop's at batch 1 and 8, the ratios. */
    record Model(String name, int[] batches, double[] decode, double raw1, double raw8, double rawRatio,
                 double batch8Speedup) {}

    private EngineChart() {}

    static void write(List<Model> models, String device) throws Exception {
        XYSeriesCollection lines = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (Model m : models) {
            XYSeries engine = new XYSeries(m.name() + ", engine");
            for (int i = 0; i < m.batches().length; i++) {
                engine.add(m.batches()[i], m.decode()[i]);
            }
            XYSeries raw = new XYSeries(m.name() + ", raw loop");
            raw.add(1, m.raw1());
            raw.add(8, m.raw8());
            int color = lines.getSeriesCount() / 2 % BenchCharts.COLORS.length;
            renderer.setSeriesPaint(lines.getSeriesCount(), BenchCharts.COLORS[color]);
            renderer.setSeriesStroke(lines.getSeriesCount(), new BasicStroke(2f));
            lines.addSeries(engine);
            renderer.setSeriesPaint(lines.getSeriesCount(), BenchCharts.COLORS[color]);
            renderer.setSeriesStroke(lines.getSeriesCount(), new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            lines.addSeries(raw);
        }
        LogAxis batch = new LogAxis("batch size (concurrent sessions, log scale)");
        batch.setBase(2);
        batch.setTickUnit(new NumberTickUnit(1));
        batch.setNumberFormatOverride(new DecimalFormat("0"));
        XYPlot decode = new XYPlot(lines, batch, new NumberAxis("decode tokens/s (all sequences)"), renderer);
        BenchCharts.style(decode);

        DefaultCategoryDataset ratios = new DefaultCategoryDataset();
        for (Model m : models) {
            ratios.addValue(m.rawRatio(), "engine ÷ raw loop, batch 1 (target ≥ 0.9)", m.name());
            ratios.addValue(m.batch8Speedup(), "batch 8 ÷ batch 1 (target ≥ 4)", m.name());
        }
        CategoryPlot targets = BenchCharts.bars(ratios, "model", "ratio (×)", "0.00×");
        BenchCharts.line(targets, 0.9, "target 0.9", BenchCharts.COLORS[0]);
        BenchCharts.line(targets, 4, "target 4×", BenchCharts.COLORS[1]);

        BenchCharts.writeRow(BenchCharts.png("engine"), "Engine: DJL (PyTorch, device " + device
                + ") on the bundled models, real inference", List.of(
                BenchCharts.panel("Decode tokens/s vs batch size (dashed: plain libtorch loop)", decode, true),
                BenchCharts.panel("Engine vs raw loop, and batching", targets, true)), 700, 520);
    }
}
