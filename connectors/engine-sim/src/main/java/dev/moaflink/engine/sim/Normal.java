package dev.moaflink.engine.sim;

/** The standard normal quantile function, enough for copula thresholds and lognormal fits. */
final class Normal {

    /** Phi^-1(0.95): a lognormal's p95 is exp(mu + Z95 * sigma). */
    static final double Z95 = 1.6448536269514722;

    // Acklam's rational approximation (relative error < 1.2e-9): accurate enough that a profile's accuracy is
    // met exactly in expectation, and far cheaper than an iterative inverse of erf.
    private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01};
    private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
            3.754408661907416e+00};
    private static final double P_LOW = 0.02425;

    private Normal() {}

    /** Phi^-1(p); -inf at p = 0 and +inf at p = 1. */
    static double inverseCdf(double p) {
        if (p <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (p >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (p < P_LOW) {
            return tail(Math.sqrt(-2 * Math.log(p)));
        }
        if (p > 1 - P_LOW) {
            return -tail(Math.sqrt(-2 * Math.log(1 - p)));
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
    }

    private static double tail(double q) {
        return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
}
