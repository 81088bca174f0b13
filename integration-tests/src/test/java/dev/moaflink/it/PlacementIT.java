package dev.moaflink.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.bench.JobArgs;
import dev.moaflink.bench.SyntheticQueries;
import dev.moaflink.engine.sim.VirtualWorkers;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.scheduler.plan.PlacementPlan;
import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import dev.moaflink.schema.Query;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A placement plan on a MiniCluster of four one-slot TaskManagers: every replica is its own operator in its
 * worker's slot-sharing group, the replicas of a worker run in one slot, different workers in different slots,
 * and the router deals a replicated model's calls out by the plan's weights.
 */
@Timeout(180)
class PlacementIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(4).setNumberSlotsPerTaskManager(1).build());

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** With GPUs per worker, each worker's slot-sharing group requests them as the external resource "gpu". */
    @Test
    void workerGroupsRequestTheirGpusAsAnExternalResource() throws Exception {
        Path planFile = dir.resolve("plan-gpu.json");
        Map<String, PlacementPlan.ModelPlan> models = new LinkedHashMap<>();
        for (String m : List.of("expert-small", "expert-medium", "expert-large", "aggregator")) {
            models.put(m, new PlacementPlan.ModelPlan(m.equals("aggregator") ? Stage.AGGREGATOR : Stage.EXPERT,
                    List.of(new PlacementPlan.Replica(m.equals("expert-large") ? "g1" : "g0", 10, 1.0))));
        }
        new PlacementPlan(List.of(new Worker("g0", "h100-80gb", 80_000), new Worker("g1", "h100-80gb", 80_000)),
                models, Map.of()).write(planFile);
        Path input = dir.resolve("none.jsonl");
        Files.write(input, List.of());
        JobConfig config = ConfigLoader.fromArgs(new JobArgs().set("mode", "batch").set("batch.input", input)
                .set("batch.output", dir.resolve("o")).set("placement", planFile)
                .set("routing.gpus_per_worker", 1).virtualTime().toArray());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        MoaJob.build(env, config);
        var graph = env.getStreamGraph(false);
        for (String group : List.of("worker-g0", "worker-g1")) {
            var spec = graph.getSlotSharingGroupResource(group).orElseThrow(() -> new AssertionError(group));
            assertEquals(1.0, spec.getExtendedResources().get("gpu").getValue().doubleValue(), group);
        }
        assertTrue(graph.getSlotSharingGroupResource("default").isEmpty(), "the router and collectors need no GPU");
    }

    @Test
    void operatorsLandInTheSlotsThePlanNames(@InjectMiniCluster MiniCluster cluster) throws Exception {
        List<Worker> workers = List.of(new Worker("w1", "h100-80gb", 80_000), new Worker("w2", "h100-80gb", 80_000),
                new Worker("w3", "a100-80gb", 80_000));
        Map<String, PlacementPlan.ModelPlan> models = new LinkedHashMap<>();
        models.put("expert-large", new PlacementPlan.ModelPlan(Stage.EXPERT, List.of(
                new PlacementPlan.Replica("w1", 300, 0.75), new PlacementPlan.Replica("w2", 100, 0.25))));
        models.put("expert-medium", new PlacementPlan.ModelPlan(Stage.EXPERT,
                List.of(new PlacementPlan.Replica("w3", 400, 1.0))));
        models.put("expert-small", new PlacementPlan.ModelPlan(Stage.EXPERT,
                List.of(new PlacementPlan.Replica("w3", 400, 1.0))));
        models.put("aggregator", new PlacementPlan.ModelPlan(Stage.AGGREGATOR,
                List.of(new PlacementPlan.Replica("w2", 400, 1.0))));
        Path planFile = dir.resolve("plan.json");
        new PlacementPlan(workers, models, Map.of()).write(planFile);

        List<String> lines = new ArrayList<>();
        for (Query q : SyntheticQueries.generate(40, 5, "p-")) {
            lines.add(JSON.writeValueAsString(Map.of("id", q.getId(), "text", q.getText(), "choices", q.getChoices(),
                    "task_type", q.getTaskType().name().toLowerCase(), "gold", q.getGold())));
        }
        Path input = dir.resolve("queries.jsonl");
        Files.write(input, lines);
        Path output = dir.resolve("out/answers");
        JobConfig config = ConfigLoader.fromArgs(new JobArgs().set("mode", "batch").set("batch.input", input)
                .set("batch.output", output).set("placement", planFile).virtualTime().toArray());

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        MoaJob.build(env, config);

        // The stream graph: one operator per (level, model, replica), in its worker's slot-sharing group.
        Map<String, String> groupOf = new HashMap<>();
        for (StreamNode n : env.getStreamGraph(false).getStreamNodes()) {
            groupOf.put(n.getOperatorName(), n.getSlotSharingGroup());
            if (n.getOperatorName().startsWith("agent L")) {
                assertEquals(1, n.getParallelism(), n.getOperatorName());
            }
        }
        assertEquals("worker-w1", groupOf.get("agent L1 expert-large @w1"));
        assertEquals("worker-w2", groupOf.get("agent L1 expert-large @w2"));
        assertEquals("worker-w3", groupOf.get("agent L1 expert-small @w3"));
        assertEquals("worker-w3", groupOf.get("agent L1 expert-medium @w3"));
        assertEquals("worker-w2", groupOf.get("agent L2 aggregator @w2"));
        assertEquals("worker-w2", groupOf.get("agent L3 aggregator @w2"));
        assertEquals("default", groupOf.get("router"));

        VirtualWorkers.reset();
        JobClient client = env.executeAsync("placement-it");
        JobID id = client.getJobID();
        client.getJobExecutionResult().get();

        // The execution graph: where each operator's one subtask actually ran (one slot per TaskManager here).
        AccessExecutionGraph graph = cluster.getArchivedExecutionGraph(id).get();
        Map<String, String> slotOf = new HashMap<>();
        for (AccessExecutionJobVertex v : graph.getVerticesTopologically()) {
            for (AccessExecutionVertex sub : v.getTaskVertices()) {
                String where = sub.getCurrentAssignedResourceLocation().getResourceID().toString();
                for (String name : v.getName().split(" -> ")) {
                    slotOf.putIfAbsent(name.trim(), where);
                }
            }
        }
        String w1 = slotOf.get("agent L1 expert-large @w1");
        String w2 = slotOf.get("agent L1 expert-large @w2");
        String w3 = slotOf.get("agent L1 expert-small @w3");
        String router = slotOf.get("router");
        assertEquals(w3, slotOf.get("agent L1 expert-medium @w3"), "one worker's replicas share its slot");
        assertEquals(w2, slotOf.get("agent L2 aggregator @w2"));
        assertEquals(w2, slotOf.get("agent L3 aggregator @w2"));
        assertEquals(4, new HashSet<>(List.of(w1, w2, w3, router)).size(),
                "each worker and the default group in its own slot: " + slotOf);

        // Traces name the worker and replica; the router followed the weights 0.75 / 0.25 exactly.
        List<String> answers = new BatchOutput(output.toString()).answerLines();
        assertEquals(40, answers.size());
        Map<String, Integer> largeCalls = new HashMap<>();
        Set<String> workersSeen = new HashSet<>();
        for (String line : answers) {
            for (JsonNode t : JSON.readTree(line).get("trace")) {
                workersSeen.add(t.get("model").asText() + "@" + t.get("worker").asText());
                if (t.get("model").asText().equals("expert-large")) {
                    String w = t.get("worker").asText();
                    assertEquals(w.equals("w1") ? 0 : 1, t.get("replica").asInt());
                    largeCalls.merge(w, 1, Integer::sum);
                }
            }
        }
        assertEquals(Set.of("expert-large@w1", "expert-large@w2", "expert-medium@w3", "expert-small@w3",
                "aggregator@w2"), workersSeen);
        assertEquals(120, largeCalls.get("w1") + largeCalls.get("w2"), "3 expert-large leaves x 40 queries");
        assertEquals(90, largeCalls.get("w1"));
        assertEquals(30, largeCalls.get("w2"));
        Map<String, Map<String, VirtualWorkers.Booking>> booked = VirtualWorkers.bookings();
        assertEquals(90L, booked.get("w1").get("expert-large").requests(), "the sim engines' virtual GPUs: " + booked);
        assertEquals(30L, booked.get("w2").get("expert-large").requests());
        assertNotEquals(null, booked.get("w2").get("aggregator"));
    }
}
