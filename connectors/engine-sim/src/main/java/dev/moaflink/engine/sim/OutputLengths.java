package dev.moaflink.engine.sim;

/**
 * Output lengths in tokens, lognormal like real LLM outputs (most short, a long tail).
 *
 * <p>Fit: for LN(mu, sigma), mean m = exp(mu + sigma^2/2) and p95 q = exp(mu + z sigma) with z = Phi^-1(0.95).
 * Subtracting the logs gives sigma^2/2 - z sigma + ln(q/m) = 0, so sigma = z - sqrt(z^2 - 2 ln(q/m)) (the
 * smaller root: the less skewed of the two distributions with that mean and p95) and mu = ln m - sigma^2/2.
 * A real root needs m <= q <= m exp(z^2/2), which {@link SimProfile} checks.
 */
final class OutputLengths {

    private final double mu;
    private final double sigma;

    OutputLengths(double mean, double p95) {
        double z = Normal.Z95;
        this.sigma = z - Math.sqrt(Math.max(0, z * z - 2 * Math.log(p95 / mean)));
        this.mu = Math.log(mean) - sigma * sigma / 2;
    }

    /** A length of at least 1 token; the caller truncates it at the generation's max tokens. */
    int sample(long bits) {
        double tokens = Math.exp(mu + sigma * Seeds.gaussian(bits));
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(tokens)));
    }
}
