package dev.moaflink.job.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.flink.metrics.HistogramStatistics;
import org.junit.jupiter.api.Test;

class WindowHistogramTest {

    @Test
    void keepsTheLatestWindowAndReportsItsQuantiles() {
        WindowHistogram h = new WindowHistogram(4);
        assertEquals(0, h.getStatistics().size());
        assertEquals(0.0, h.getStatistics().getQuantile(0.5));
        for (long v = 1; v <= 10; v++) {
            h.update(v);
        }
        assertEquals(10, h.getCount(), "every update counts");
        HistogramStatistics s = h.getStatistics();
        assertArrayEquals(new long[] {7, 8, 9, 10}, s.getValues(), "only the latest 4 are kept");
        assertEquals(7, s.getMin());
        assertEquals(10, s.getMax());
        assertEquals(8.5, s.getMean(), 1e-9);
        assertEquals(8.5, s.getQuantile(0.5), 1e-9);
        assertEquals(10.0, s.getQuantile(1.0), 1e-9);
        assertEquals(Math.sqrt(5.0 / 3), s.getStdDev(), 1e-9);
    }

    @Test
    void windowIsRoundedUpToAPowerOfTwo() {
        WindowHistogram h = new WindowHistogram(1000);
        for (int i = 0; i < 5000; i++) {
            h.update(i);
        }
        assertEquals(1024, h.getStatistics().size());
        assertEquals(5000 - 1024, h.getStatistics().getMin());
    }
}
