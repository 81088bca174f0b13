package dev.moaflink.engine;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything needed to create an engine: which backend, which model, backend options. Two equal specs
 * share one engine instance per JVM (see {@link EngineRegistry}).
 *
 * @param backend factory name ({@link EngineFactory#backend()})
 * @param model   model name used in topologies and traces
 * @param options backend-specific settings (profile values, paths, URLs), validated by the factory
 */
public record EngineSpec(String backend, String model, Map<String, String> options) implements Serializable {

    private static final long serialVersionUID = 1L;

    public EngineSpec {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(model, "model");
        // Sorted and unmodifiable, so equal settings give equal specs and the record stays serializable.
        options = java.util.Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(options, "options")));
    }

    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }
}
