package dev.moaflink.job.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;

/**
 * A histogram over the latest {@code window} values, for one writer thread (an operator's task thread) and any
 * number of readers (metric reporters). Updates are a plain array store and a release write of the count, with no
 * lock: Flink's {@code DescriptiveStatisticsHistogram} takes a lock per update, which the agent operators' hot path
 * (several histograms per agent call, hundreds of thousands of calls per second on a zero-cost engine) paid for.
 * A reader copies the window; values written while it copies may be mixed in, which a metric can afford.
 */
public final class WindowHistogram implements Histogram {

    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(WindowHistogram.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] values;
    private final int mask;
    @SuppressWarnings("unused") // written through COUNT
    private long count;

    /** @param window values kept; rounded up to a power of two */
    public WindowHistogram(int window) {
        int size = Integer.highestOneBit(Math.max(1, window - 1)) << 1;
        this.values = new long[size];
        this.mask = size - 1;
    }

    @Override
    public void update(long value) {
        long c = (long) COUNT.getOpaque(this);
        values[(int) (c & mask)] = value;
        COUNT.setRelease(this, c + 1);
    }

    @Override
    public long getCount() {
        return (long) COUNT.getAcquire(this);
    }

    @Override
    public HistogramStatistics getStatistics() {
        long c = getCount();
        int n = (int) Math.min(c, values.length);
        long[] copy = Arrays.copyOf(values, n);
        Arrays.sort(copy);
        return new Snapshot(copy);
    }

    /** Sorted values of one read. */
    static final class Snapshot extends HistogramStatistics {
        private final long[] sorted;

        Snapshot(long[] sorted) {
            this.sorted = sorted;
        }

        /** Linear interpolation between closest ranks (as Commons Math's default estimator on small windows). */
        @Override
        public double getQuantile(double quantile) {
            if (sorted.length == 0) {
                return 0;
            }
            double pos = quantile * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(sorted.length - 1, lo + 1);
            return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
        }

        @Override
        public long[] getValues() {
            return sorted.clone();
        }

        @Override
        public int size() {
            return sorted.length;
        }

        @Override
        public double getMean() {
            if (sorted.length == 0) {
                return 0;
            }
            double sum = 0;
            for (long v : sorted) {
                sum += v;
            }
            return sum / sorted.length;
        }

        @Override
        public double getStdDev() {
            if (sorted.length < 2) {
                return 0;
            }
            double mean = getMean();
            double ss = 0;
            for (long v : sorted) {
                ss += (v - mean) * (v - mean);
            }
            return Math.sqrt(ss / (sorted.length - 1));
        }

        @Override
        public long getMax() {
            return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
        }

        @Override
        public long getMin() {
            return sorted.length == 0 ? 0 : sorted[0];
        }
    }
}
