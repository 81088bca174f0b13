package dev.moaflink.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-JVM, reference-counted engines: every operator of a TaskManager that uses the same {@link EngineSpec}
 * shares one loaded model. Operators {@link #acquire} in {@code open()} and close the lease in
 * {@code close()}; the engine is closed when its last lease is released.
 */
public final class EngineRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(EngineRegistry.class);
    private static final EngineRegistry GLOBAL = new EngineRegistry(ServiceLoader.load(EngineFactory.class));

    private final Map<String, EngineFactory> factories = new HashMap<>();
    private final Map<EngineSpec, Entry> engines = new HashMap<>();

    private static final class Entry {
        final LlmEngine engine;
        int refs;

        Entry(LlmEngine engine) {
            this.engine = engine;
        }
    }

    /** A registry over the given factories (tests); most callers use {@link #global()}. */
    public EngineRegistry(Iterable<EngineFactory> factories) {
        for (EngineFactory f : factories) {
            EngineFactory previous = this.factories.putIfAbsent(f.backend(), f);
            if (previous != null && previous.getClass() != f.getClass()) {
                throw new IllegalStateException("two engine factories claim backend '" + f.backend() + "': "
                        + previous.getClass().getName() + " and " + f.getClass().getName());
            }
        }
    }

    public static EngineRegistry global() {
        return GLOBAL;
    }

    /** Validates a spec against its backend's factory. */
    public void validate(EngineSpec spec) {
        factory(spec.backend()).validate(spec);
    }

    /** What the engine of {@code spec} will be, without loading it (see {@link EngineFactory#describe}). */
    public EngineInfo describe(EngineSpec spec) {
        return factory(spec.backend()).describe(spec);
    }

    /** Returns a lease on the shared engine for {@code spec}, creating it on first use. */
    public Lease acquire(EngineSpec spec) {
        // Model loading happens under the lock on purpose: two operators opening the same model at once
        // must not load it twice (memory), and loading different models in parallel buys little on a worker.
        synchronized (engines) {
            Entry entry = engines.get(spec);
            if (entry == null) {
                EngineFactory factory = factory(spec.backend());
                factory.validate(spec);
                LOG.info("Loading engine backend={} model={}", spec.backend(), spec.model());
                entry = new Entry(factory.create(spec));
                engines.put(spec, entry);
            }
            entry.refs++;
            return new Lease(spec, entry.engine);
        }
    }

    /** Number of live leases on {@code spec}'s engine (0 when none is loaded). */
    public int references(EngineSpec spec) {
        synchronized (engines) {
            Entry e = engines.get(spec);
            return e == null ? 0 : e.refs;
        }
    }

    /** The engines loaded now (benchmarks sample their load). */
    public java.util.List<LlmEngine> loaded() {
        synchronized (engines) {
            return engines.values().stream().map(e -> e.engine).toList();
        }
    }

    private void release(EngineSpec spec) {
        LlmEngine toClose = null;
        synchronized (engines) {
            Entry entry = engines.get(spec);
            if (entry == null) {
                return;
            }
            if (--entry.refs == 0) {
                engines.remove(spec);
                toClose = entry.engine;
            }
        }
        if (toClose != null) {
            LOG.info("Closing engine backend={} model={}", spec.backend(), spec.model());
            toClose.close();
        }
    }

    private EngineFactory factory(String backend) {
        EngineFactory f = factories.get(backend);
        if (f == null) {
            throw new IllegalArgumentException("unknown engine backend '" + backend + "'; available: "
                    + new java.util.TreeSet<>(factories.keySet()));
        }
        return f;
    }

    /** A handle on a shared engine; closing it releases one reference. Idempotent. */
    public final class Lease implements AutoCloseable {
        private final EngineSpec spec;
        private final LlmEngine engine;
        private boolean released;

        private Lease(EngineSpec spec, LlmEngine engine) {
            this.spec = spec;
            this.engine = engine;
        }

        public LlmEngine engine() {
            if (released) {
                throw new IllegalStateException("lease on " + spec.model() + " already released");
            }
            return engine;
        }

        @Override
        public synchronized void close() {
            if (!released) {
                released = true;
                release(spec);
            }
        }
    }
}
