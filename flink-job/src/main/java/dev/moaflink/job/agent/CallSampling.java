package dev.moaflink.job.agent;

import dev.moaflink.engine.GenerationParams;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.topology.LevelSampling;
import java.util.List;
import java.util.Map;

/**
 * The sampling settings of a call: its topology's setting for the agent's level where there is one, else the
 * {@code agent} settings; and a seed of its own, from the job's seed and the call's query and node, so that copies
 * of a model sample independently and a call re-run after a restore samples the same tokens.
 */
public final class CallSampling {

    private final JobConfig.AgentSettings settings;
    private final Map<String, LevelSampling> byTopology;

    /** @param byTopology topology name → this agent level's sampling (topologies that set none are absent) */
    public CallSampling(JobConfig.AgentSettings settings, Map<String, LevelSampling> byTopology) {
        this.settings = settings;
        this.byTopology = byTopology;
    }

    GenerationParams params(AgentCall.Run run) {
        LevelSampling s = byTopology.get(run.query().topology());
        double temperature = s != null && s.temperature() != null ? s.temperature() : settings.temperature();
        double topP = s != null && s.topP() != null ? s.topP() : settings.topP();
        return new GenerationParams(settings.maxTokens(), temperature, topP,
                settings.seed() ^ run.requestId().hashCode(), List.of());
    }
}
