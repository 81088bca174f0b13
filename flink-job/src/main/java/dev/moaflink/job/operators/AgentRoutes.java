package dev.moaflink.job.operators;

import dev.moaflink.job.model.AgentCall;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * Side-output tags that carry agent calls to the agent operator serving a (level, model): one tag per level
 * when operators are fused, one per (level, model) otherwise.
 *
 * @param fused true when one operator per level serves every model of the level
 */
public record AgentRoutes(boolean fused) implements Serializable {

    private static final TypeInformation<AgentCall> CALL_TYPE = TypeInformation.of(AgentCall.class);
    // Tags are looked up per record: building one runs Flink's type extraction, far too slow for the hot path.
    private static final Map<String, OutputTag<AgentCall>> TAGS = new ConcurrentHashMap<>();

    public OutputTag<AgentCall> tag(int level, String model) {
        String id = fused ? "calls-L" + level : "calls-L" + level + "-" + model;
        return TAGS.computeIfAbsent(id, k -> new OutputTag<>(k, CALL_TYPE));
    }
}
