package dev.moaflink.bench;

import java.util.List;

/** Least-squares fits for the soak's time series. */
final class SoakMath {

    private SoakMath() {}

    /** Slope in MB per minute of {nanos, MB} samples taken after {@code afterNanos}; NaN for fewer than 3. */
    static double slope(List<double[]> samples, long afterNanos, long originNanos) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (double[] p : samples) {
            if (p[0] < afterNanos) {
                continue;
            }
            double x = (p[0] - originNanos) / 60e9;
            n++;
            sx += x;
            sy += p[1];
            sxx += x * x;
            sxy += x * p[1];
        }
        double d = n * sxx - sx * sx;
        return n < 3 || d == 0 ? Double.NaN : (n * sxy - sx * sy) / d;
    }
}
