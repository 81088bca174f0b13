package dev.moaflink.job.routing;

import dev.moaflink.job.backchannel.AgentAddress;
import dev.moaflink.job.model.AgentCall;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * Which agent operator serves a (level, model, replica), and the side-output tag that carries calls to it: one
 * operator per level when operators are fused, one per (level, model) otherwise, and one per (level, model, replica)
 * for models a placement plan replicates.
 *
 * @param fused    true when one operator per level serves every model of the level
 * @param replicas the placed models' replicas ({@link Replicas#none()} without a plan)
 */
public record AgentRoutes(boolean fused, Replicas replicas) implements Serializable {

    public AgentRoutes(boolean fused) {
        this(fused, Replicas.none());
    }

    /** Tag of the operator running replica {@code replica} of {@code model} at {@code level}. */
    public OutputTag<AgentCall> tag(int level, String model, int replica) {
        return replica == 0 ? tag(level, model) : tag(level, model + "#r" + replica);
    }

    /** The uid of the agent operator running replica {@code replica} of {@code model} at {@code level}. */
    public String operatorId(int level, String model, int replica) {
        if (fused) {
            return "agents-L" + level;
        }
        return replica == 0 && replicas.of(model) == null ? "agent-L" + level + "-" + model
                : "agent-L" + level + "-" + model + "-r" + replica;
    }

    /**
     * Where the calls of a query handled by subtask {@code subtask} run for (level, model, replica): the operator's
     * subtask of the same index (operators keep the query's subtask over forward edges), or its only subtask for a
     * placed replica (parallelism 1 on its worker).
     */
    public AgentAddress address(int level, String model, int replica, int subtask) {
        boolean placed = !fused && replicas.of(model) != null;
        return new AgentAddress(operatorId(level, model, replica), placed ? 0 : subtask);
    }

    /** Where a node of {@code model} at {@code level} may run for a query of subtask {@code subtask}: every replica. */
    public List<AgentAddress> addressesOf(int level, String model, int subtask) {
        Replicas.Model placed = fused ? null : replicas.of(model);
        int count = placed == null ? 1 : placed.count();
        List<AgentAddress> out = new ArrayList<>(count);
        for (int r = 0; r < count; r++) {
            out.add(address(level, model, r, subtask));
        }
        return out;
    }

    private static final TypeInformation<AgentCall> CALL_TYPE = TypeInformation.of(AgentCall.class);
    // Tags are looked up per record: building one runs Flink's type extraction, far too slow for the hot path.
    private static final Map<String, OutputTag<AgentCall>> TAGS = new ConcurrentHashMap<>();
    // Per-record lookups: fused tags by level (no string building), per-model tags by (level, model).
    private static final int CACHED_LEVELS = 64;
    @SuppressWarnings("unchecked")
    private static final OutputTag<AgentCall>[] FUSED = new OutputTag[CACHED_LEVELS];
    @SuppressWarnings("unchecked")
    private static final Map<String, OutputTag<AgentCall>>[] PER_MODEL = new Map[CACHED_LEVELS];

    static {
        for (int i = 0; i < CACHED_LEVELS; i++) {
            PER_MODEL[i] = new ConcurrentHashMap<>();
        }
    }

    public OutputTag<AgentCall> tag(int level, String model) {
        if (level < 0 || level >= CACHED_LEVELS) {
            return build(level, model);
        }
        if (fused) {
            OutputTag<AgentCall> t = FUSED[level];
            if (t == null) {
                t = build(level, null);
                FUSED[level] = t; // a benign race: every thread stores the same tag
            }
            return t;
        }
        return model == null ? build(level, null) : PER_MODEL[level].computeIfAbsent(model, m -> build(level, m));
    }

    private OutputTag<AgentCall> build(int level, String model) {
        String id = fused ? "calls-L" + level : "calls-L" + level + "-" + model;
        return TAGS.computeIfAbsent(id, k -> new OutputTag<>(k, CALL_TYPE));
    }
}
