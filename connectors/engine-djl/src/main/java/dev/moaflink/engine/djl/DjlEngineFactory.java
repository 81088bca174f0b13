package dev.moaflink.engine.djl;

import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;

/** Backend {@code djl}: Hugging Face Llama-family checkpoints run in-process on DJL's PyTorch engine. */
public final class DjlEngineFactory implements EngineFactory {

    @Override
    public String backend() {
        return "djl";
    }

    @Override
    public void validate(EngineSpec spec) {
        DjlOptions o = DjlOptions.of(spec);
        if (!ModelLocator.exists(o.path())) {
            throw new IllegalArgumentException("model '" + spec.model() + "': no model at " + o.path());
        }
    }

    @Override
    public EngineInfo describe(EngineSpec spec) {
        DjlOptions.of(spec);
        return DjlEngine.INFO;
    }

    @Override
    public LlmEngine create(EngineSpec spec) {
        DjlOptions o = DjlOptions.of(spec);
        return new DjlEngine(spec.model(), ModelLocator.resolve(o.path()), o);
    }
}
