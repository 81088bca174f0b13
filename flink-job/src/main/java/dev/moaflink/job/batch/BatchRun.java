package dev.moaflink.job.batch;

import dev.moaflink.job.config.JobConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Follows a submitted batch run to its end, on a local MiniCluster or through {@code flink run}: a progress bar with
 * rate and ETA from the job's own counters (its accumulators, as Flink's REST API serves them), then the summary the
 * job wrote.
 */
public final class BatchRun {

    /** Inputs larger than this are not counted up front (the bar then shows a count and a rate, no ETA). */
    static final long COUNT_LIMIT_BYTES = 2L << 30;

    private BatchRun() {}

    /** Input lines of the run's input (see {@link #inputLines}). */
    public static long inputLinesOf(JobConfig config) throws IOException {
        return inputLines(config.batch().input());
    }

    /** Waits for {@code job}, drawing progress on {@code progress}; returns the summary it wrote. */
    public static BatchReport follow(JobClient job, JobConfig config, String label, PrintStream progress)
            throws Exception {
        long total = inputLines(config.batch().input());
        ProgressBar bar = new ProgressBar(progress, label, total, System.console() != null && progress == System.err);
        CompletableFuture<JobExecutionResult> done = job.getJobExecutionResult();
        long processed = 0;
        while (!done.isDone()) {
            try {
                processed = processed(job.getAccumulators().get(5, TimeUnit.SECONDS));
                bar.update(processed);
                done.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException waiting) {
                // redraw
            }
        }
        JobExecutionResult result = done.get();
        bar.finish(processed(result.getAllAccumulatorResults()));
        return BatchReport.read(config.batch().output());
    }

    /** Input lines handled so far: answered, dead-lettered or skipped as already answered. */
    static long processed(Map<String, Object> accumulators) {
        long n = 0;
        for (String name : List.of(RunSummary.ANSWERED, RunSummary.DEAD_LETTERED, RunSummary.SKIPPED)) {
            if (accumulators.get(name) instanceof Number v) {
                n += v.longValue();
            }
        }
        return n;
    }

    /** One line about a finished run, for the console. */
    public static String describe(BatchReport r, String output) {
        return String.format(Locale.ROOT, "%d answers in %s (%d by this run, %d skipped as answered before), %d dead "
                        + "letters, accuracy %s, p50 %.0f ms; summary %s", r.overall().answers(), output,
                r.answeredThisRun(), r.skipped(), r.deadLetters(),
                r.overall().accuracy() == null ? "n/a" : String.format(Locale.ROOT, "%.3f", r.overall().accuracy()),
                r.overall().latencyP50Ms(), new BatchOutput(output).summaryMarkdown());
    }

    /** Non-blank lines in the input (file, directory or glob); -1 when larger than {@link #COUNT_LIMIT_BYTES}. */
    static long inputLines(String input) throws IOException {
        List<FileStatus> files = BatchInput.files(input);
        long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
        if (bytes > COUNT_LIMIT_BYTES) {
            return -1;
        }
        long lines = 0;
        for (FileStatus f : files) {
            FileSystem fs = f.getPath().getFileSystem();
            try (InputStream in = new BufferedInputStream(fs.open(f.getPath()), 1 << 16)) {
                boolean blank = true;
                for (int b; (b = in.read()) >= 0; ) {
                    if (b == '\n') {
                        lines += blank ? 0 : 1;
                        blank = true;
                    } else if (!Character.isWhitespace(b)) {
                        blank = false;
                    }
                }
                lines += blank ? 0 : 1;
            }
        }
        return lines;
    }
}
