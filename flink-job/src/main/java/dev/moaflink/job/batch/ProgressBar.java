package dev.moaflink.job.batch;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for long batch work: redrawn in place on a terminal; on a pipe or a CI log (no console) a
 * line at each tenth instead (each hundred when the total is unknown), so logs stay readable.
 */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean inPlace;
    private final long startNs = System.nanoTime();
    private int lastTenth = -1;
    private long lastDone = -1;

    public ProgressBar(PrintStream out, String label, long total, boolean inPlace) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.inPlace = inPlace;
    }

    /** On standard error, in place when the JVM has a console. */
    public static ProgressBar stderr(String label, long total) {
        return new ProgressBar(System.err, label, total, System.console() != null);
    }

    /** Shows {@code done} of the total (at most once per change; in tenths without a console). */
    public void update(long done) {
        if (done == lastDone) {
            return;
        }
        lastDone = done;
        if (inPlace) {
            out.print("\r" + line(done));
            out.flush();
            return;
        }
        int tenth = total > 0 ? (int) Math.min(10, done * 10 / total) : (int) Math.min(Integer.MAX_VALUE, done / 100);
        if (tenth > lastTenth) {
            lastTenth = tenth;
            out.println(line(done));
        }
    }

    /** Shows the final count and ends the line. */
    public void finish(long done) {
        update(done);
        if (inPlace) {
            out.println();
        }
    }

    String line(long done) {
        if (total <= 0) {
            double seconds = (System.nanoTime() - startNs) / 1e9;
            return String.format(Locale.ROOT, "%s %d done, %.1f/s, %s", label, done, seconds > 0 ? done / seconds : 0,
                    duration(seconds));
        }
        double fraction = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = (System.nanoTime() - startNs) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = done > 0 && done < total && rate > 0
                ? String.format(Locale.ROOT, ", eta %s", duration((total - done) / rate)) : "";
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d (%3.0f%%) %.1f/s, %s%s", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), done, total, fraction * 100, rate, duration(seconds), eta);
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
