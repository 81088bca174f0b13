package dev.moaflink.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.general.DatasetUtils;

/**
 * What the benchmarks' charts share: one look (white, sans-serif, the same colours), bar panels with value labels,
 * target lines, and PNGs written to {@code target/bench/NAME.png} under the repository root, alone or as a row of
 * panels under one title.
 */
final class BenchCharts {

    /** Series colours, in order (matplotlib's tab10, which readers know from papers). */
    static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true"); // benchmarks run on machines without a display
        }
    }

    private BenchCharts() {}

    /** {@code target/bench/NAME.png} under the repository root. */
    static Path png(String name) {
        return Path.of(System.getProperty("moa.repo.root", "."), "target", "bench", name + ".png");
    }

    /** A chart of one plot, in the benchmarks' look. */
    static JFreeChart chart(String title, Plot plot, boolean legend) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** A panel of the same look, with a smaller title, to stand beside others under {@link #writeRow}. */
    static JFreeChart panel(String title, Plot plot, boolean legend) {
        JFreeChart chart = new JFreeChart(title, PANEL_TITLE, plot, legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /**
     * Vertical bars: a group per category (x), a bar per series, each labelled with its value in {@code format}.
     * An empty value axis label leaves the axis unnamed.
     */
    static CategoryPlot bars(DefaultCategoryDataset data, String categoryAxis, String valueAxis, String format) {
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        for (int i = 0; i < COLORS.length; i++) {
            renderer.setSeriesPaint(i, COLORS[i]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(format)));
        renderer.setDefaultItemLabelFont(SMALL);
        renderer.setDefaultItemLabelsVisible(true);
        CategoryAxis x = new CategoryAxis(categoryAxis);
        x.setMaximumCategoryLabelLines(3);
        NumberAxis y = new NumberAxis(valueAxis);
        y.setUpperMargin(0.12); // room for the value labels above the bars
        CategoryPlot plot = new CategoryPlot(data, x, y, renderer);
        style(plot);
        return plot;
    }

    static void style(CategoryPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    /**
     * A dashed horizontal line at {@code value} (a target, a bound, the baseline), named in the legend rather than on
     * the plot, where its label would cover bars. Call it after the series' colours are set.
     */
    static void line(CategoryPlot plot, double value, String label, Color color) {
        BasicStroke dashed = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
                new float[] {6, 4}, 0);
        plot.addRangeMarker(new ValueMarker(value, color, dashed));
        Number top = DatasetUtils.findMaximumRangeValue(plot.getDataset());
        if (top == null || top.doubleValue() < value) {
            plot.getRangeAxis().setRange(0, value * 1.12); // a target above every bar is still drawn
        }
        LegendItemCollection items = plot.getFixedLegendItems() != null ? plot.getFixedLegendItems()
                : plot.getLegendItems();
        items.add(new LegendItem(label, null, null, null, new Line2D.Double(-9, 0, 9, 0), dashed, color));
        plot.setFixedLegendItems(items);
    }

    static void line(CategoryPlot plot, double value, String label) {
        line(plot, value, label, Color.DARK_GRAY);
    }

    static void write(Path png, JFreeChart chart, int width, int height) throws IOException {
        Files.createDirectories(png.getParent());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
    }

    /** Panels side by side, each {@code panelWidth} × {@code height}, under one title. */
    static void writeRow(Path png, String title, List<JFreeChart> panels, int panelWidth, int height)
            throws IOException {
        int top = 30;
        BufferedImage img = new BufferedImage(panelWidth * panels.size(), top + height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(TITLE);
            g.drawString(title, (img.getWidth() - g.getFontMetrics().stringWidth(title)) / 2f, 20f);
            for (int i = 0; i < panels.size(); i++) {
                panels.get(i).draw(g, new Rectangle2D.Double(i * panelWidth, top, panelWidth, height));
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(png.getParent());
        ImageIO.write(img, "png", png.toFile());
    }
}
