package dev.moaflink.job.model;

import dev.moaflink.engine.EngineInfo;
import java.util.Collection;

/**
 * The clock a job's agents are timed in, from its engines' {@link EngineInfo}: the wall clock for real engines (and
 * simulated ones pacing themselves in real time), or a simulated engine's virtual clock, where latencies are composed
 * from modelled phases. A job runs in one clock: virtual and measured times do not add up.
 */
public enum EngineClock {
    WALL,
    VIRTUAL;

    /** @throws IllegalArgumentException when some engines run in virtual time and others do not */
    public static EngineClock of(Collection<EngineInfo> engines) {
        long virtual = engines.stream().filter(EngineInfo::virtualTime).count();
        if (virtual > 0 && virtual < engines.size()) {
            throw new IllegalArgumentException("engines in virtual time cannot be mixed with engines in real time ("
                    + virtual + " of " + engines.size() + " are virtual): a virtual latency and a measured one do not"
                    + " add up");
        }
        return virtual > 0 ? VIRTUAL : WALL;
    }
}
