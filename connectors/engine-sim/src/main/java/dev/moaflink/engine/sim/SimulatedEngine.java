package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineLoad;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.simulation.SimulatedSession;
import dev.moaflink.engine.simulation.Simulator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An LLM engine whose outputs and timings come from a {@link SimProfile} instead of a model: deterministic
 * for a seed, cheap enough for thousands of concurrent sessions, and with accuracy, error correlation and
 * confidence that make mixture-of-agents results meaningful. Every report built on it must say "simulated".
 *
 * <p>Outputs are filler reasoning words ending with the line {@code Answer: X} (see {@link CandidateAnswers}).
 * In real time, one scheduler per engine paces prefill and decode on the wall clock; in virtual time nothing
 * waits and {@code generate} completes before it returns.
 */
public final class SimulatedEngine implements LlmEngine, Simulator {

    private static final int MAX_SCHEDULER_THREADS = 4;

    /** Queries whose shared GPU is kept: far more than a job has in flight. */
    private static final int MAX_QUERIES = 65_536;

    private final String model;
    private final SimProfile profile;
    private final SimModel sim;
    private final ScheduledThreadPoolExecutor scheduler;
    private final DecodeSlots slots;
    /** Real time with shared_gpu: the one GPU all sessions share; else null. */
    private final RealTimeGpu gpu;
    private final Set<RealTimeSession> live = ConcurrentHashMap.newKeySet();
    /** Virtual time with shared_gpu: each query's view of this model's GPU, the most recently used kept. */
    private final Map<String, SharedGpu> gpus;
    private volatile boolean closed;
    // The last query's facts; its other calls usually follow (a benign race across threads: any entry is valid).
    private volatile QueryFacts lastFacts;

    public SimulatedEngine(String model, SimProfile profile) {
        this.model = Objects.requireNonNull(model, "model");
        this.profile = Objects.requireNonNull(profile, "profile");
        this.sim = new SimModel(profile);
        boolean real = profile.time() == SimProfile.Time.REAL;
        this.scheduler = real ? newScheduler(model) : null;
        this.slots = real ? new DecodeSlots(profile.concurrency(), profile.scheduling() == SimProfile.Scheduling.QUERY)
                : null;
        this.gpu = real && profile.sharedGpu() ? new RealTimeGpu(profile.kvWeightTokens(), profile.prefixCache())
                : null;
        this.gpus = real || !profile.sharedGpu() ? null : Collections.synchronizedMap(
                new LinkedHashMap<String, SharedGpu>(64, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, SharedGpu> eldest) {
                        return size() > MAX_QUERIES;
                    }
                });
    }

    public SimProfile profile() {
        return profile;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public EngineInfo info() {
        return info(profile);
    }

    /** What an engine of {@code profile} is: simulated, in the profile's clock, with incremental prefill. */
    static EngineInfo info(SimProfile profile) {
        return new EngineInfo(SimulatedEngineFactory.BACKEND, true, profile.time() == SimProfile.Time.VIRTUAL, true);
    }

    /**
     * Real time: sessions waiting for a decode slot and sessions decoding. Virtual time: nothing ever waits or runs
     * between calls (a generation completes before {@code generate} returns), so all zero. KV memory is not
     * modelled (0 of 0).
     */
    @Override
    public EngineLoad load() {
        return slots == null ? new EngineLoad(0, 0, 0, 0) : new EngineLoad(slots.waiting(), slots.busy(), 0, 0);
    }

    /**
     * A session that does not know its query's right answer: accuracy is then the model's own draw, and nothing can
     * be scored (see {@link #open(SessionRequest, String)}).
     */
    @Override
    public SimulatedSession open(SessionRequest request) {
        return open(request, null);
    }

    /** @throws EngineException when the engine is closed or the query cannot be answered (e.g. 30 choices) */
    @Override
    public SimulatedSession open(SessionRequest request, String gold) {
        if (closed) {
            throw new EngineException("simulated engine '" + model + "' is closed");
        }
        QueryFacts facts = lastFacts;
        if (facts == null || facts.context != request.context() || !Objects.equals(facts.givenGold, gold)) {
            facts = sim.facts(request.context(), gold);
            lastFacts = facts;
        }
        if (scheduler == null) {
            return new VirtualSession(model, request, facts, sim, profile,
                    gpus == null ? null : gpus.computeIfAbsent(request.context().queryId(), q -> new SharedGpu()));
        }
        RealTimeSession session = new RealTimeSession(request, facts, sim, profile, scheduler, slots, gpu,
                live::remove);
        live.add(session);
        // close() may have run between the check above and the add: it would not have seen this session.
        if (closed) {
            live.remove(session);
            throw new EngineException("simulated engine '" + model + "' is closed");
        }
        return session;
    }

    /** Completes every outstanding generation with CANCELLED and stops the scheduler. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (RealTimeSession s : List.copyOf(live)) {
            s.cancel();
        }
        if (scheduler != null) {
            // Queued cancellations still run; pending ticks are dropped.
            scheduler.shutdown();
        }
    }

    private static ScheduledThreadPoolExecutor newScheduler(String model) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "sim-engine-" + model + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        int size = Math.min(MAX_SCHEDULER_THREADS, Runtime.getRuntime().availableProcessors());
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(size, threads);
        s.setRemoveOnCancelPolicy(true);
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return s;
    }
}
