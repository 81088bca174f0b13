package dev.moaflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.config.Variant;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' shared chart parts, and the faster-moa chart drawn from hand-made outcomes. */
@Timeout(30)
class BenchChartsTest {

    @TempDir
    Path dir;

    @Test
    void aTargetAboveEveryBarIsOnTheAxisAndNamedInTheLegend() {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        data.addValue(9_000, "per core", "batch 1");
        CategoryPlot plot = BenchCharts.bars(data, "batch", "queries/s", "#,##0");
        BenchCharts.line(plot, 20_000, "target");
        assertTrue(plot.getRangeAxis().getUpperBound() >= 20_000, "axis up to " + plot.getRangeAxis().getUpperBound());
        LegendItemCollection legend = plot.getLegendItems();
        assertEquals(2, legend.getItemCount());
        assertEquals("per core", legend.get(0).getLabel());
        assertEquals("target", legend.get(1).getLabel());
    }

    @Test
    void panelsStandSideBySideUnderOneTitle() throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        data.addValue(1, "a", "x");
        Path png = dir.resolve("row.png");
        BenchCharts.writeRow(png, "title", List.of(BenchCharts.panel("one", BenchCharts.bars(data, "", "ms", "0"),
                false), BenchCharts.panel("two", BenchCharts.bars(data, "", "ms", "0"), false)), 300, 200);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(600, img.getWidth());
        assertEquals(230, img.getHeight(), "the panels under a 30-pixel title");
    }

    @Test
    void fasterMoaChartsEachVariantsSpeedUpOverDenseAndNeedsDense() throws Exception {
        String before = System.getProperty("moa.repo.root");
        System.setProperty("moa.repo.root", dir.toString());
        try {
            List<Variant> ladder = Variant.standard("dense-9-9-1", "tree-9-3-1");
            List<VariantOutcome> outcomes = new ArrayList<>();
            outcomes.add(new VariantOutcome(ladder.get(0), metrics(1000), 1, null, null, null));
            outcomes.add(new VariantOutcome(ladder.get(1), metrics(400), 1, null, null, null));
            EngineRun sim = new EngineRun("sim", true, 100, "simulated", outcomes, 1);
            assertEquals("target/bench/faster-moa.png", FasterMoaChart.write(dir.toAbsolutePath(), List.of(sim)));
            assertTrue(ImageIO.read(dir.resolve("target/bench/faster-moa.png").toFile()).getWidth() > 0);

            EngineRun noDense = new EngineRun("sim", true, 100, "simulated", outcomes.subList(1, 2), 1);
            assertNull(FasterMoaChart.write(dir.toAbsolutePath(), List.of(noDense)), "nothing to compare with");
        } finally {
            if (before == null) {
                System.clearProperty("moa.repo.root");
            } else {
                System.setProperty("moa.repo.root", before);
            }
        }
    }

    private static VariantMetrics metrics(double p50) {
        Map<String, Boolean> correct = new HashMap<>();
        return new VariantMetrics(100, 0, p50, p50, p50, null, 13, 13, 1000, 100, 0, 0, 0, 0, 0, 0, 0, true, correct);
    }
}
