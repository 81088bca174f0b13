package dev.moaflink.job.backchannel;

import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;

/**
 * What an operator hands its {@link BackchannelFactory}: the job run it belongs to and, for an operator with a
 * coordinator on the JobManager, the gateway to it (null otherwise), through which stops leave for other processes.
 */
public record BackchannelContext(JobScope scope, OperatorEventGateway coordinator) {

    /** An operator without a coordinator: the channel reaches this JVM only. */
    public static BackchannelContext local(JobScope scope) {
        return new BackchannelContext(scope, null);
    }
}
