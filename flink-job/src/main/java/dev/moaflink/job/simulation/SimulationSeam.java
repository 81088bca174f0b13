package dev.moaflink.job.simulation;

import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.simulation.Simulator;
import dev.moaflink.job.agent.CallClock;
import dev.moaflink.job.agent.SessionOpener;
import dev.moaflink.job.agent.WallClock;
import dev.moaflink.job.collect.AggregatorCalls;
import dev.moaflink.job.collect.CallSender;
import dev.moaflink.job.collect.EarlyExit;
import dev.moaflink.job.collect.LevelJoin;
import dev.moaflink.job.collect.OverlapStream;
import dev.moaflink.job.collect.SiblingStops;
import dev.moaflink.job.collect.WallClockJoin;
import dev.moaflink.job.model.EngineClock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where simulation plugs into the job, chosen once when an operator opens: the clock agents are timed in, how the
 * sessions of a simulated engine learn the query's right answer, and how a collector joins a level. Real engines get
 * the plain parts, and past this point the real-time path never looks at simulation again.
 */
public final class SimulationSeam {

    private SimulationSeam() {}

    /** How sessions of {@code engine} open: a simulated engine is told the query's gold answer. */
    public static SessionOpener opener(LlmEngine engine) {
        if (engine instanceof Simulator) {
            return (e, request, query) -> ((Simulator) e).open(request, query.gold());
        }
        return SessionOpener.PLAIN;
    }

    /**
     * The engine of a replica placed on {@code worker}. A simulated engine is told the worker (its {@code worker}
     * option), so that in virtual time the replicas placed on one worker share its virtual GPU; a real engine shares
     * the physical one and is left as it is.
     */
    public static EngineSpec onWorker(EngineSpec engine, String worker) {
        if (!EngineRegistry.global().describe(engine).simulated()) {
            return engine;
        }
        Map<String, String> options = new LinkedHashMap<>(engine.options());
        options.put("worker", worker);
        return new EngineSpec(engine.backend(), engine.model(), options);
    }

    /** The clock an agent operator's calls are timed in. */
    public static CallClock callClock(EngineClock clock) {
        return clock == EngineClock.VIRTUAL ? new VirtualCallClock() : new WallClock();
    }

    /**
     * How a level collector turns finished children into their parents' runs.
     *
     * @param earlyExit       null when early exit is off
     * @param settleThreshold the bypass threshold when {@code bypass_early} settles votes early; 0: never
     * @param stops           the real-time stop path (virtual time replays stops instead)
     * @param overlap         null when overlap is off
     */
    public static LevelJoin levelJoin(EngineClock clock, int level, AggregatorCalls calls, CallSender sender,
                                      EarlyExit earlyExit, double settleThreshold, SiblingStops stops,
                                      OverlapStream overlap) {
        if (clock == EngineClock.VIRTUAL) {
            return new VirtualTimeJoin(level, calls, sender, earlyExit, settleThreshold, overlap != null);
        }
        return new WallClockJoin(calls, sender, stops, overlap);
    }
}
