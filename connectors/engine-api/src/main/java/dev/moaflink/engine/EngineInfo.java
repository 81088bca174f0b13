package dev.moaflink.engine;

/**
 * What an engine is, for the people and operators that read its timings.
 *
 * @param backend        the factory name, e.g. {@code sim}, {@code djl}, {@code openai}
 * @param simulated      true when outputs and timings come from a profile, not a model: every report
 *                       built on such an engine must say "simulated"
 * @param virtualTime    true when timings are modelled durations that did not elapse on the wall clock;
 *                       callers then compose latency from the reported phases instead of measuring it
 * @param incrementalPrefill true when {@link EngineSession#append} extends a live KV cache (otherwise the
 *                       engine re-reads the whole prompt when decoding starts)
 */
public record EngineInfo(String backend, boolean simulated, boolean virtualTime, boolean incrementalPrefill) {}
