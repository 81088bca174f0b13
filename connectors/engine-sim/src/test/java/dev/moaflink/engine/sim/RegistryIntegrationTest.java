package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.LlmEngine;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code sim} backend is found by ServiceLoader and shared per spec. */
@Timeout(10)
class RegistryIntegrationTest {

    private final EngineRegistry registry = new EngineRegistry(ServiceLoader.load(EngineFactory.class));

    @Test
    void equalSpecsShareOneEngine() {
        EngineSpec spec = new EngineSpec("sim", "llama-sim", Map.of("accuracy", "0.7", "time", "virtual"));
        EngineSpec same = new EngineSpec("sim", "llama-sim", Map.of("time", "virtual", "accuracy", "0.7"));
        EngineSpec other = new EngineSpec("sim", "qwen-sim", Map.of("time", "virtual"));
        try (EngineRegistry.Lease a = registry.acquire(spec);
             EngineRegistry.Lease b = registry.acquire(same);
             EngineRegistry.Lease c = registry.acquire(other)) {
            assertSame(a.engine(), b.engine());
            assertNotSame(a.engine(), c.engine());
            assertEquals(2, registry.references(spec));
            assertEquals("llama-sim", a.engine().model());
            assertTrue(a.engine().info().simulated());
            assertEquals(0.7, ((SimulatedEngine) a.engine()).profile().accuracy());
        }
        assertEquals(0, registry.references(spec));
    }

    @Test
    void lastReleaseClosesTheEngine() {
        EngineSpec spec = new EngineSpec("sim", "m", Map.of());
        LlmEngine engine;
        try (EngineRegistry.Lease lease = registry.acquire(spec)) {
            engine = lease.engine();
        }
        assertThrows(EngineException.class,
                () -> engine.open(Fixtures.proposer(Fixtures.multipleChoice(1), "p0")));
    }

    @Test
    void theFactoryDescribesTheEngineWithoutCreatingIt() {
        for (String time : new String[] {"real", "virtual"}) {
            EngineSpec spec = new EngineSpec("sim", "described-" + time, Map.of("time", time));
            try (EngineRegistry.Lease lease = registry.acquire(spec)) {
                assertEquals(lease.engine().info(), registry.describe(spec));
            }
        }
        assertTrue(registry.describe(new EngineSpec("sim", "v", Map.of("time", "virtual"))).virtualTime());
        assertEquals(0, registry.references(new EngineSpec("sim", "v", Map.of("time", "virtual"))));
    }

    @Test
    void badOptionsFailValidation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.validate(new EngineSpec("sim", "m", Map.of("acuracy", "0.7"))));
        assertTrue(e.getMessage().contains("acuracy") && e.getMessage().contains("accuracy"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> registry.acquire(new EngineSpec("sim", "m", Map.of("accuracy", "2"))));
    }
}
