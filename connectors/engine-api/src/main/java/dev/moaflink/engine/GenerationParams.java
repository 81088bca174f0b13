package dev.moaflink.engine;

import java.util.List;
import java.util.Objects;

/**
 * Sampling settings for one generation.
 *
 * @param maxTokens   upper bound on generated tokens (≥ 1)
 * @param temperature 0 = greedy
 * @param topP        nucleus sampling mass in (0, 1]
 * @param seed        makes sampling (and simulated outputs) reproducible
 * @param stop        stop sequences; generation ends when the output ends with one of them
 */
public record GenerationParams(int maxTokens, double temperature, double topP, long seed, List<String> stop) {

    public GenerationParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, was " + maxTokens);
        }
        if (temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, was " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        stop = List.copyOf(Objects.requireNonNull(stop, "stop"));
    }

    public static GenerationParams greedy(int maxTokens) {
        return new GenerationParams(maxTokens, 0.0, 1.0, 0L, List.of());
    }
}
