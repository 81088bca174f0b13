package dev.moaflink.scheduler.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CostProfilesTest {

    @TempDir
    Path dir;

    @Test
    void everyBundledProfileIsCitedReferenceDataForH100AndA100() {
        for (String name : CostProfiles.BUNDLED) {
            CostProfile p = CostProfiles.bundled(name);
            assertEquals(name, p.model());
            assertTrue(p.reference(), name);
            assertTrue(p.description().contains("REFERENCE DATA"), name);
            assertTrue(p.runsOn("h100-80gb") && p.runsOn("a100-80gb"), name);
            assertTrue(p.citations().size() >= 7, name);
            // an H100 is faster than an A100 at everything
            assertTrue(p.throughput("h100-80gb").decodeTps() > p.throughput("a100-80gb").decodeTps(), name);
            assertTrue(p.throughput("h100-80gb").decodeTps() > p.throughput("h100-80gb").decodeTpsB1(), name);
        }
        assertTrue(CostProfiles.bundled("reasoning-8b").output().mean() >= 10 * CostProfiles.bundled("instruct-8b").output().mean());
        // Llama-3.1-8B: 2 × 32 layers × 8 KV heads × 128 × 2 bytes
        assertEquals(131_072, CostProfiles.bundled("instruct-8b").kvBytesPerToken());
    }

    @Test
    void aProfileRoundTripsThroughItsFile() {
        CostProfile p = CostProfiles.bundled("instruct-4b");
        Path f = dir.resolve("p.json");
        CostProfiles.write(p, f);
        assertEquals(p, CostProfiles.read(f));
    }

    @Test
    void everyProblemOfABadFileIsNamed() throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, """
                {"format": "moa-cost-profile/1", "model": "m", "reference": true, "weight_mb": -1,
                 "kv_bytes_per_token": 10, "kv_budget_mb": 1, "load_s": 1, "overhead_ms": 1,
                 "output_tokens": {"mean": 100, "p95": 50}, "workers": {"gpu": {"prefill_tps": 1, "decode_tps": 1}},
                 "colour": "blue"}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CostProfiles.read(f));
        for (String expected : new String[] {"weight_mb must be a positive number", "p95 (50.0) is below the mean",
                "workers.gpu.decode_tps_b1", "unknown field 'colour'", "without a citation for weight_mb", "bad.json"}) {
            assertTrue(e.getMessage().contains(expected), expected + " in " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> CostProfiles.bundled("nope"));
        new ObjectMapper(); // jackson on the test classpath
    }

    @Test
    void perRequestCostsFollowTheProfile() {
        CostProfile p = CostProfiles.bundled("instruct-8b");
        CostProfile.Throughput t = p.throughput("h100-80gb");
        double expected = 0.020 + 300 / t.prefillTps() + 200 / t.decodeTps();
        assertEquals(expected, p.workerSecondsPerRequest("h100-80gb", 300), 1e-9);
        assertTrue(p.aloneSeconds("h100-80gb", 300) > p.workerSecondsPerRequest("h100-80gb", 300));
        assertThrows(IllegalArgumentException.class, () -> p.throughput("tpu"));
    }
}
