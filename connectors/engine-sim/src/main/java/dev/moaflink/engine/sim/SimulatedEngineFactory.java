package dev.moaflink.engine.sim;

import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;

/** The {@code sim} backend: options are {@link SimOption}s, read into a {@link SimProfile}. */
public final class SimulatedEngineFactory implements EngineFactory {

    public static final String BACKEND = "sim";

    @Override
    public String backend() {
        return BACKEND;
    }

    @Override
    public void validate(EngineSpec spec) {
        SimProfile.parse(spec.options());
    }

    @Override
    public EngineInfo describe(EngineSpec spec) {
        return SimulatedEngine.info(SimProfile.parse(spec.options()));
    }

    @Override
    public LlmEngine create(EngineSpec spec) {
        return new SimulatedEngine(spec.model(), SimProfile.parse(spec.options()));
    }
}
