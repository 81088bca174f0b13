package dev.moaflink.bench;

import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;

/**
 * The soak's streaming job as the benchmark watches it: when it started (the soak's minute 0), whether it failed or
 * ended on its own, and cancelling it at the end without calling that a failure.
 */
final class SoakJob {

    private final JobClient client;
    private final long startNanos = System.nanoTime();
    private volatile String failure;
    private volatile boolean cancelling;

    SoakJob(JobClient client) {
        this.client = client;
        client.getJobExecutionResult().whenComplete((result, error) -> {
            if (!cancelling) {
                failure = error == null ? "the job finished on its own" : rootCause(error);
            }
        });
    }

    boolean failed() {
        return failure != null;
    }

    /** Why the job ended, or null while it runs. */
    String failure() {
        return failure;
    }

    String id() {
        return client.getJobID().toHexString();
    }

    long startNanos() {
        return startNanos;
    }

    /** Minutes from the job's start to {@code nanos} (System.nanoTime). */
    double minute(long nanos) {
        return (nanos - startNanos) / 60e9;
    }

    void cancel() {
        cancelling = true;
        try {
            if (!failed()) {
                client.cancel().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            System.out.println("[soak] cancel: " + rootCause(e));
        }
    }

    static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
