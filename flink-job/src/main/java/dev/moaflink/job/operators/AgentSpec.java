package dev.moaflink.job.operators;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.topology.LevelSampling;
import dev.moaflink.job.topology.TopologySpec;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one agent operator runs: the engines of the models it serves at one topology level, with the
 * call settings. A per-model operator serves one model; a fused operator serves every model of its level.
 *
 * @param engines model name → engine spec
 * @param worker  placement worker (slot-sharing group) the operator runs in, recorded in traces
 * @param replica replica number recorded in traces (the router's numbering of a placed model's replicas); -1:
 *                the operator's subtask index
 * @param announceStart emit an empty first chunk (with the query) when a call starts on a real-time engine, or when
 *                      its session is opened ahead of its inputs, so that with prefill/decode overlap the parents
 *                      open their sessions then: the whole chain of ancestors opens at query start (see
 *                      {@code AgentOutput#started})
 * @param operatorId the operator's uid in the job graph (see {@code AgentRoutes#operatorId}): where collectors'
 *                   stops must reach
 * @param sampling   topology name → how this level of it samples, where the topology says (else the settings)
 */
public record AgentSpec(Map<String, EngineSpec> engines, int level, String worker, int replica,
                        JobConfig.AgentSettings settings, boolean announceStart, String operatorId,
                        Map<String, LevelSampling> sampling)
        implements Serializable {

    public AgentSpec(Map<String, EngineSpec> engines, int level, String worker, int replica,
                     JobConfig.AgentSettings settings) {
        this(engines, level, worker, replica, settings, false, "agents-L" + level, Map.of());
    }

    public AgentSpec(Map<String, EngineSpec> engines, int level, String worker, JobConfig.AgentSettings settings) {
        this(engines, level, worker, -1, settings);
    }

    public AgentSpec {
        if (engines.isEmpty()) {
            throw new IllegalArgumentException("an agent operator needs at least one model");
        }
        engines = java.util.Collections.unmodifiableMap(new TreeMap<>(engines));
        sampling = java.util.Collections.unmodifiableMap(new TreeMap<>(sampling));
    }

    public AgentSpec withAnnounceStart(boolean announce) {
        return new AgentSpec(engines, level, worker, replica, settings, announce, operatorId, sampling);
    }

    public AgentSpec withOperatorId(String id) {
        return new AgentSpec(engines, level, worker, replica, settings, announceStart, id, sampling);
    }

    /** This spec with the sampling of its level in each topology that sets one. */
    public AgentSpec withSampling(Map<String, TopologySpec> topologies) {
        Map<String, LevelSampling> byTopology = new TreeMap<>();
        topologies.forEach((name, t) -> {
            LevelSampling s = t.samplingOf(level);
            if (s != null) {
                byTopology.put(name, s);
            }
        });
        return new AgentSpec(engines, level, worker, replica, settings, announceStart, operatorId, byTopology);
    }

    public static AgentSpec single(EngineSpec engine, int level, String worker, JobConfig.AgentSettings settings) {
        return new AgentSpec(Map.of(engine.model(), engine), level, worker, -1, settings);
    }
}
