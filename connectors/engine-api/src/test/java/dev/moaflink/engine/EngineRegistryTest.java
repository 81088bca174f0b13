package dev.moaflink.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class EngineRegistryTest {

    /** Counts engines created and closed. */
    static final class CountingFactory implements EngineFactory {
        final List<CountingEngine> created = new ArrayList<>();

        @Override
        public String backend() {
            return "counting";
        }

        @Override
        public void validate(EngineSpec spec) {
            if (spec.options().containsKey("bad")) {
                throw new IllegalArgumentException("option 'bad' is not allowed");
            }
        }

        @Override
        public EngineInfo describe(EngineSpec spec) {
            return CountingEngine.INFO;
        }

        @Override
        public LlmEngine create(EngineSpec spec) {
            CountingEngine e = new CountingEngine(spec.model());
            created.add(e);
            return e;
        }
    }

    static final class CountingEngine implements LlmEngine {
        static final EngineInfo INFO = new EngineInfo("counting", true, true, false);
        final String model;
        int closed;

        CountingEngine(String model) {
            this.model = model;
        }

        @Override
        public String model() {
            return model;
        }

        @Override
        public EngineInfo info() {
            return INFO;
        }

        @Override
        public EngineSession open(SessionRequest request) {
            throw new UnsupportedOperationException("not needed here");
        }

        @Override
        public void close() {
            closed++;
        }
    }

    private final CountingFactory factory = new CountingFactory();
    private final EngineRegistry registry = new EngineRegistry(List.of(factory));
    private final EngineSpec a = new EngineSpec("counting", "a", Map.of("x", "1"));

    @Test
    void equalSpecsShareOneEngineClosedOnLastRelease() {
        EngineRegistry.Lease first = registry.acquire(a);
        EngineRegistry.Lease second = registry.acquire(new EngineSpec("counting", "a", Map.of("x", "1")));
        assertSame(first.engine(), second.engine(), "one model copy per JVM");
        assertEquals(1, factory.created.size());
        assertEquals(2, registry.references(a));

        first.close();
        first.close(); // idempotent: does not release a second reference
        assertEquals(1, registry.references(a));
        assertEquals(0, factory.created.get(0).closed);
        second.close();
        assertEquals(1, factory.created.get(0).closed, "closed when the last lease is released");
        assertEquals(0, registry.references(a));
        assertThrows(IllegalStateException.class, first::engine);

        registry.acquire(a).close();
        assertEquals(2, factory.created.size(), "a released model is loaded afresh");
    }

    @Test
    void differentOptionsAreDifferentEngines() {
        try (var l1 = registry.acquire(a);
             var l2 = registry.acquire(new EngineSpec("counting", "a", Map.of("x", "2")))) {
            assertTrue(l1.engine() != l2.engine());
        }
    }

    @Test
    void unknownBackendAndBadOptionsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.acquire(new EngineSpec("gpu9000", "m", Map.of())));
        assertTrue(e.getMessage().contains("unknown engine backend 'gpu9000'"), e.getMessage());
        assertTrue(e.getMessage().contains("counting"), "lists the available backends");
        e = assertThrows(IllegalArgumentException.class,
                () -> registry.validate(new EngineSpec("counting", "m", Map.of("bad", "1"))));
        assertTrue(e.getMessage().contains("'bad'"));
    }

    @Test
    void confidenceIsExpOfMeanLogProb() {
        Generation g = new Generation("x y", FinishReason.STOP, 3, 2, Math.log(0.25), PhaseTimings.ZERO, null);
        assertEquals(0.5, g.confidence(), 1e-12);
        assertEquals(0.0, Generation.failed("boom", 1, PhaseTimings.ZERO).confidence());
    }
}
