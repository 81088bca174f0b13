package dev.moaflink.job.collect;

import dev.moaflink.job.model.AgentCall;
import org.apache.flink.util.OutputTag;

/** Where a collector's calls leave: the side output of the agent operator serving each call's node. */
@FunctionalInterface
public interface CallOutput {

    void emit(OutputTag<AgentCall> tag, AgentCall call);
}
