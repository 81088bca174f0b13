package dev.moaflink.bench;

import java.util.Arrays;

/** Nearest-rank percentiles over a sample. */
public final class Percentiles {

    private final double[] sorted;

    public Percentiles(double[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    public double p(double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public double mean() {
        return Arrays.stream(sorted).average().orElse(Double.NaN);
    }
}
