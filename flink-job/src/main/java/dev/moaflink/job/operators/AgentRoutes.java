package dev.moaflink.job.operators;

import dev.moaflink.job.model.AgentCall;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** Side-output tags that carry agent calls to the operator of one (level, model). */
public final class AgentRoutes {

    private static final TypeInformation<AgentCall> CALL_TYPE = TypeInformation.of(AgentCall.class);
    // Tags are looked up per record: building one runs Flink's type extraction, far too slow for the hot path.
    private static final Map<String, OutputTag<AgentCall>> TAGS = new ConcurrentHashMap<>();

    private AgentRoutes() {}

    public static OutputTag<AgentCall> tag(int level, String model) {
        return TAGS.computeIfAbsent("calls-L" + level + "-" + model, id -> new OutputTag<>(id, CALL_TYPE));
    }
}
