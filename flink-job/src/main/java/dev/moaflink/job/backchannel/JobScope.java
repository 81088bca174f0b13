package dev.moaflink.job.backchannel;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * The run of a job that a backchannel belongs to: its id and its attempt. Every task of a pipelined region restarts
 * together, so after a failover the operators meet again in a channel of the new attempt, and nothing a failed
 * attempt left behind (tombstones, queue counts) reaches the next one.
 */
public record JobScope(String jobId, int attempt) implements Serializable {

    public JobScope {
        Objects.requireNonNull(jobId, "jobId");
    }

    /** The scope of the task that {@code context} belongs to. */
    public static JobScope of(RuntimeContext context) {
        return new JobScope(context.getJobInfo().getJobId().toString(), context.getTaskInfo().getAttemptNumber());
    }
}
