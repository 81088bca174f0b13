package dev.moaflink.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The soak over time as one PNG: rates, Kafka lag, checkpointed state, checkpoint duration and latency, by phase. */
final class SoakChart {

    private static final Color BLUE = BenchCharts.COLORS[0];
    private static final Color[] OFFERED_ANSWERED = {BenchCharts.COLORS[3], BLUE};

    private SoakChart() {}

    static void write(Path png, List<SoakSampler.Sample> samples, List<SoakDriver.PhaseRun> phases) throws IOException {
        NumberAxis minutes = new NumberAxis("minutes since the job started");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(minutes);
        plot.add(panel("queries/s", samples, new String[] {"offered", "answered"},
                List.of(SoakSampler.Sample::offeredPerS, SoakSampler.Sample::answeredPerS)), 2);
        plot.add(panel("Kafka lag", samples, new String[] {"queries waiting in Kafka"},
                List.of(s -> s.kafkaLag())), 1);
        plot.add(panel("state MB", samples, new String[] {"checkpointed state (latest)"},
                List.of(SoakSampler.Sample::stateMb)), 1);
        plot.add(panel("checkpoint ms", samples, new String[] {"slowest checkpoint since the last sample"},
                List.of(s -> s.checkpointMs())), 1);
        XYPlot latency = panel("latency ms (log)", samples, new String[] {"answer latency p50 (1% sample)"},
                List.of(SoakSampler.Sample::latencyP50Ms));
        latency.setRangeAxis(new LogAxis("latency ms (log)"));
        plot.add(latency, 1);
        for (SoakDriver.PhaseRun p : phases) {
            for (Object sub : plot.getSubplots()) {
                ValueMarker m = new ValueMarker(p.startMinute(), Color.GRAY, new BasicStroke(1f));
                if (sub == plot.getSubplots().get(0)) {
                    m.setLabel(p.name());
                    m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                    m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                    m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                }
                ((XYPlot) sub).addDomainMarker(m);
            }
        }
        BenchCharts.write(png, BenchCharts.chart("Soak (simulated engine, real time): exactly-once job under load and "
                + "overload", plot, true), 1100, 1100);
    }

    private static XYPlot panel(String axis, List<SoakSampler.Sample> samples, String[] names,
                                List<ToDoubleFunction<SoakSampler.Sample>> values) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int i = 0; i < names.length; i++) {
            XYSeries series = new XYSeries(names[i]);
            for (SoakSampler.Sample s : samples) {
                double v = values.get(i).applyAsDouble(s);
                if (!Double.isNaN(v)) {
                    series.add(s.minute(), v);
                }
            }
            data.addSeries(series);
        }
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < names.length; i++) {
            lines.setSeriesPaint(i, names.length == 1 ? BLUE : OFFERED_ANSWERED[i]);
            lines.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        XYPlot plot = new XYPlot(data, null, new NumberAxis(axis), lines);
        BenchCharts.style(plot);
        return plot;
    }
}
