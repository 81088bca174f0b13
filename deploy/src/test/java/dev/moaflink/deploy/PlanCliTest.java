package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.scheduler.plan.PlacementPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class PlanCliTest {

    @TempDir
    Path dir;

    @Test
    void countsEachModelsRequestsAsTheJobRoutesTheDatasetAndWritesAPlan() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            lines.add("{\"id\":\"q" + i + "\",\"text\":\"What is " + i + " + 1?\",\"task_type\":\"numeric\"}");
        }
        for (int i = 0; i < 10; i++) {
            lines.add("{\"id\":\"d" + i + "\",\"text\":\"What is " + i + " + 2?\",\"task_type\":\"numeric\","
                    + "\"topology\":\"dense-9-9-1\"}");
        }
        lines.add("{not json");
        Path input = dir.resolve("q.jsonl");
        Files.write(input, lines);

        PlanCli.Demand d = PlanCli.Demand.of(ConfigLoader.fromArgs(), lines);
        assertEquals(40, d.queries(), "the bad line is left out, as the job dead-letters it");
        // tree-9-3-1: three copies of each expert, four aggregator nodes; dense-9-9-1: 3 per expert, 9 + 1 aggregators
        assertEquals(Map.of("expert-small", 30L * 3 + 10 * 3, "expert-medium", 30L * 3 + 10 * 3,
                "expert-large", 30L * 3 + 10 * 3, "aggregator", 30L * 4 + 10 * 10), d.requests());
        assertEquals(java.util.Set.of("aggregator"), d.aggregators());

        Path plan = dir.resolve("plan.json");
        PlanCli.run(new String[] {"--input", input.toString(), "--profile", "expert-small=instruct-4b",
                "--profile", "expert-medium=instruct-8b", "--profile", "expert-large=instruct-32b",
                "--profile", "aggregator=instruct-8b", "--workers", "3", "--worker-type", "h100-80gb",
                "--out", plan.toString()});
        PlacementPlan p = PlacementPlan.read(plan);
        assertEquals(3, p.workers().size());
        assertEquals(java.util.Set.of("expert-small", "expert-medium", "expert-large", "aggregator"),
                p.models().keySet());
        p.models().values().forEach(m -> assertTrue(!m.replicas().isEmpty(), "every model placed"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlanCli.run(new String[] {
                "--input", input.toString(), "--profile", "expert-small=instruct-4b", "--workers", "2",
                "--worker-type", "h100-80gb", "--out", plan.toString()}));
        assertTrue(e.getMessage().contains("no --profile for model"), e.getMessage());
    }
}
