package dev.moaflink.bench;

import java.util.List;

/**
 * One engine's outcomes in the {@code faster-moa} benchmark, in variant order.
 *
 * @param engine      the engine's name in options and reports ({@code sim}, {@code sim-shared}, ..., {@code djl})
 * @param simulated   whether the engine is the simulated one (reports label its figures so)
 * @param queries     queries each variant answered
 * @param description what ran, for the report's heading
 */
record EngineRun(String engine, boolean simulated, int queries, String description, List<VariantOutcome> outcomes,
                 double wallS) {

    /** The variant's outcome, or null when it was not selected or its run failed. */
    VariantOutcome get(String slug) {
        return outcomes.stream().filter(o -> o.variant().slug().equals(slug) && o.metrics() != null).findFirst()
                .orElse(null);
    }
}
