package dev.moaflink.scheduler.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The profiler against the simulated engine, whose true costs are its options. */
@Timeout(60)
class ProfilerTest {

    @TempDir
    Path dir;

    private static Profiler.Settings settings(Map<String, String> options, double weightMb, long kvBytes) {
        return new Profiler.Settings(new EngineSpec("sim", "sim-8b", options), "test-gpu", Profiler.defaultPrompts(), 8,
                64, 256, 512, weightMb, kvBytes, 2048);
    }

    @Test
    void measuresTheSimulatedEnginesConfiguredCosts() throws Exception {
        Map<String, String> options = Map.of("time", "virtual", "prefill_tps", "2000", "decode_tps", "50",
                "overhead_ms", "20", "output_mean_tokens", "120", "output_p95_tokens", "300");
        CostProfile p = Profiler.profile(settings(options, 16000, 131072), EngineRegistry.global());
        CostProfile.Throughput t = p.workers().get("test-gpu");
        assertEquals(2000, t.prefillTps(), 2000 * 0.02, "prefill tokens/s");
        assertEquals(20, p.overheadMs(), 1.0, "per-request overhead");
        assertEquals(50, t.decodeTpsB1(), 50 * 0.02, "decode alone");
        assertTrue(t.decodeTps() > 4 * t.decodeTpsB1(), "8 sessions side by side: " + t.decodeTps());
        assertTrue(p.output().mean() > 20 && p.output().mean() < 512, "output mean " + p.output().mean());
        assertTrue(p.output().p95() >= p.output().mean());
        assertFalse(p.reference());
        assertTrue(p.citations().get("workers").contains("measured"), p.citations().toString());

        Path file = dir.resolve("sim-8b.json");
        CostProfiles.write(p, file);
        CostProfile back = CostProfiles.read(file);
        assertEquals(p.workers(), back.workers());
        assertEquals(p.output(), back.output());
        assertTrue(Files.readString(file).contains("moa-cost-profile/1"));
    }

    @Test
    void sizesAreRequiredWhenTheEngineHasNoCheckpoint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Profiler.profile(
                settings(Map.of("time", "virtual"), 0, 0), EngineRegistry.global()));
        assertTrue(e.getMessage().contains("--weight-mb"), e.getMessage());
    }

    @Test
    void promptsComeFromJsonLines() throws Exception {
        Path f = dir.resolve("p.jsonl");
        Files.write(f, List.of("{\"prompt\": \"one\"}", "", "{\"id\": \"q\", \"text\": \"two\"}"));
        assertEquals(List.of("one", "two"), Profiler.readPrompts(f));
        Files.write(f, List.of("{\"id\": \"q\"}"));
        assertThrows(IllegalArgumentException.class, () -> Profiler.readPrompts(f));
    }

    @Test
    void helpPrintsTheOptionsAndReturnsWithoutStarting() throws Exception {
        java.io.PrintStream before = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            Profiler.main(new String[] {"--help"});
        } finally {
            System.setOut(before);
        }
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(text.startsWith("usage: ") && text.contains("--worker-type"), text);
    }
}
