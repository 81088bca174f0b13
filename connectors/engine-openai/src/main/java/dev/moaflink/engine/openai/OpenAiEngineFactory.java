package dev.moaflink.engine.openai;

import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;
import java.util.function.UnaryOperator;

/**
 * Backend {@code openai}: a model served by any OpenAI-compatible HTTP server (vLLM, SGLang, llama.cpp server),
 * streamed over Server-Sent Events; options in {@link OpenAiOptions}.
 */
public final class OpenAiEngineFactory implements EngineFactory {

    public static final String BACKEND = "openai";

    private final UnaryOperator<String> env;

    /** Reads the API key from the process environment (the {@link java.util.ServiceLoader} constructor). */
    public OpenAiEngineFactory() {
        this(System::getenv);
    }

    /** Reads the API key through {@code env} (tests, or keys kept elsewhere than the environment). */
    public OpenAiEngineFactory(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String backend() {
        return BACKEND;
    }

    @Override
    public void validate(EngineSpec spec) {
        OpenAiOptions.of(spec, env);
    }

    @Override
    public EngineInfo describe(EngineSpec spec) {
        OpenAiOptions.of(spec, env);
        return OpenAiEngine.INFO;
    }

    @Override
    public LlmEngine create(EngineSpec spec) {
        OpenAiOptions options = OpenAiOptions.of(spec, env);
        String key = options.apiKeyEnv() == null ? null : env.apply(options.apiKeyEnv());
        return new OpenAiEngine(spec.model(), options, key);
    }
}
