package dev.moaflink.job.topology;

import java.io.Serializable;

/**
 * How the agents of one topology level sample (a topology's {@code sampling} list, one entry per level): with a
 * temperature above 0 the copies of a model at a level are independent samples (each node has a seed of its own,
 * from its query and node), as Self-MoA samples one model several times; unset fields take the {@code agent}
 * settings.
 *
 * @param temperature 0 = greedy; null: {@code agent.temperature}
 * @param topP        nucleus mass in (0, 1]; null: {@code agent.top_p}
 */
public record LevelSampling(Double temperature, Double topP) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The reason this entry is invalid, or null. */
    String problem() {
        if (temperature != null && !(temperature >= 0)) {
            return "temperature must be >= 0, was " + temperature;
        }
        if (topP != null && !(topP > 0 && topP <= 1)) {
            return "top_p must be in (0, 1], was " + topP;
        }
        return null;
    }
}
