package dev.moaflink.job.operators;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.config.JobConfig;
import java.io.Serializable;

/**
 * What one agent operator runs: a model at one topology level, with its call settings.
 *
 * @param worker placement worker (slot-sharing group) the operator runs in, recorded in traces
 */
public record AgentSpec(EngineSpec engine, int level, String worker, JobConfig.AgentSettings settings)
        implements Serializable {

    public String model() {
        return engine.model();
    }
}
