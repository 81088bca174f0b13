package dev.moaflink.job.backchannel;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * A stop on its way between processes: from a collector to its coordinator on the JobManager, which forwards it to
 * the coordinators of the agent operators in {@code targets}, which hand it to their subtasks.
 *
 * @param targets  the agent operators that may run the node (every replica of its model)
 * @param sentAtUs when the collector decided it, in microseconds of the epoch (for the stop-latency metric)
 */
public record StopEvent(String queryId, String nodeId, List<AgentAddress> targets, long sentAtUs)
        implements OperatorEvent {

    /** Now, in microseconds of the epoch (the clock a stop's latency is measured in, across processes of a host). */
    public static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    /** A stop that does not arrive only costs the work it would have saved: never fail a task over it. */
    @Override
    public boolean isLossTolerant() {
        return true;
    }
}
