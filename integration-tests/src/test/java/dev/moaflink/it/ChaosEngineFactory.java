package dev.moaflink.it;

import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.sim.SimulatedEngine;
import dev.moaflink.engine.sim.SimulatedEngineFactory;
import dev.moaflink.engine.simulation.SimulatedSession;
import dev.moaflink.engine.simulation.Simulator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test backend {@code chaos}: the simulated engine, except that while {@link #ARMED} is positive the next
 * {@code open()} throws {@link InjectedFailure}, an {@link Error} that no agent-operator code handles, so it fails
 * the task that called it (a crash inside an operator), as a bug in user code or a native crash would; and that with
 * option {@code fail_rate} p, each {@code open()} throws a transient {@link EngineException} with probability p
 * (an engine fault the operator retries).
 */
public final class ChaosEngineFactory implements EngineFactory {

    /** Failures still to inject (JVM-wide). */
    public static final AtomicInteger ARMED = new AtomicInteger();

    /** Failures injected so far (JVM-wide). */
    public static final AtomicInteger INJECTED = new AtomicInteger();

    /** Transient engine faults injected so far (JVM-wide). */
    public static final AtomicInteger FAULTS = new AtomicInteger();

    /** Thrown inside the agent operator's task thread. */
    public static final class InjectedFailure extends Error {
        InjectedFailure(String message) {
            super(message);
        }
    }

    private final SimulatedEngineFactory sim = new SimulatedEngineFactory();

    @Override
    public String backend() {
        return "chaos";
    }

    @Override
    public void validate(EngineSpec spec) {
        sim.validate(asSim(spec));
    }

    @Override
    public EngineInfo describe(EngineSpec spec) {
        return sim.describe(asSim(spec));
    }

    @Override
    public LlmEngine create(EngineSpec spec) {
        SimulatedEngine inner = (SimulatedEngine) sim.create(asSim(spec));
        double failRate = Double.parseDouble(spec.option("fail_rate", "0"));
        return new ChaosEngine() {
            @Override
            public String model() {
                return inner.model();
            }

            @Override
            public EngineInfo info() {
                return inner.info();
            }

            @Override
            public EngineSession open(SessionRequest request) {
                return open(request, null);
            }

            @Override
            public SimulatedSession open(SessionRequest request, String gold) {
                if (ARMED.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    INJECTED.incrementAndGet();
                    throw new InjectedFailure("injected failure opening " + request.requestId());
                }
                if (failRate > 0 && ThreadLocalRandom.current().nextDouble() < failRate) {
                    FAULTS.incrementAndGet();
                    throw new EngineException("injected engine fault opening " + request.requestId());
                }
                return inner.open(request, gold);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /** The simulated engine it wraps, with failures injected at open. */
    private interface ChaosEngine extends LlmEngine, Simulator {}

    private static EngineSpec asSim(EngineSpec spec) {
        java.util.Map<String, String> options = new java.util.HashMap<>(spec.options());
        options.remove("fail_rate");
        return new EngineSpec(SimulatedEngineFactory.BACKEND, spec.model(), options);
    }
}
