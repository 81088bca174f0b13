package dev.moaflink.job.operators;

import dev.moaflink.job.model.AgentCall;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** Side-output tags that carry agent calls to the operator of one (level, model). */
public final class AgentRoutes {

    private AgentRoutes() {}

    public static OutputTag<AgentCall> tag(int level, String model) {
        return new OutputTag<>("calls-L" + level + "-" + model, TypeInformation.of(AgentCall.class));
    }
}
