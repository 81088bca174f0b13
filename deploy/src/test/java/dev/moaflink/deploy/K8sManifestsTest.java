package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Kubernetes manifests parse, agree with each other and give the job what it depends on. */
@Timeout(60)
class K8sManifestsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    private static List<JsonNode> documents(String text) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser p = new YAMLFactory().createParser(text)) {
            var it = YAML.readValues(p, JsonNode.class);
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    private static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("deploy/k8s")) ? p : p.getParent();
    }

    @Test
    void theCommittedManifestsAreTheRenderingOfTheDefaults() throws Exception {
        for (Map.Entry<String, String> f : K8sManifests.render(K8sManifests.Options.defaults()).entrySet()) {
            Path committed = repo().resolve("deploy/k8s").resolve(f.getKey());
            assertTrue(Files.exists(committed), committed + " (render with deploy/k8s/render.sh)");
            assertEquals("# Rendered by dev.moaflink.deploy.K8sManifests; do not edit.\n" + f.getValue(),
                    Files.readString(committed), committed + " is stale: run deploy/k8s/render.sh");
        }
    }

    @Test
    void theJobConfigLoadsAndMatchesTheKafkaClusterTopicsAndFlinkSettings() throws Exception {
        check(K8sManifests.render(K8sManifests.Options.defaults()), 1, 1, null);
    }

    @Test
    void aPlacementPlanSetsOneTaskManagerPerWorkerWithItsGpus() throws Exception {
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"format": "moa-placement-plan/1",
                 "workers": [{"id": "gpu-0", "type": "h100-80gb", "memory_mb": 80000},
                             {"id": "gpu-1", "type": "h100-80gb", "memory_mb": 80000},
                             {"id": "gpu-2", "type": "h100-80gb", "memory_mb": 80000}],
                 "models": {"expert-small": {"stage": "expert", "replicas": [{"worker": "gpu-0", "requests": 1, "weight": 1.0}]},
                            "expert-medium": {"stage": "expert", "replicas": [{"worker": "gpu-1", "requests": 1, "weight": 1.0}]},
                            "expert-large": {"stage": "expert", "replicas": [{"worker": "gpu-2", "requests": 1, "weight": 1.0}]},
                            "aggregator": {"stage": "aggregator", "replicas": [{"worker": "gpu-2", "requests": 1, "weight": 1.0}]}}}
                """);
        K8sManifests.Options d = K8sManifests.Options.defaults();
        Map<String, String> files = K8sManifests.render(new K8sManifests.Options(d.namespace(), d.image(),
                d.kafkaCluster(), 1, 2, d.gpuNodeLabel(), plan.toString()));
        check(files, 3, 2, plan);
    }

    private void check(Map<String, String> files, int workers, int gpus, Path plan) throws Exception {
        JsonNode configMap = documents(files.get("job-config.yaml")).get(0);
        JsonNode flink = documents(files.get("flink-deployment.yaml")).get(0);
        List<JsonNode> kafka = documents(files.get("kafka.yaml"));

        // Flink Kubernetes Operator: the job runs the project's entry point with the mounted config.
        assertEquals("flink.apache.org/v1beta1", flink.path("apiVersion").asText());
        assertEquals("FlinkDeployment", flink.path("kind").asText());
        JsonNode spec = flink.path("spec");
        JsonNode job = spec.path("job");
        assertEquals("dev.moaflink.job.MoaJob", job.path("entryClass").asText());
        assertTrue(job.path("jarURI").asText().endsWith(".jar"));
        assertEquals(List.of("--config", K8sManifests.JOB_CONFIG_MOUNT + "/job.yaml"),
                YAML.convertValue(job.path("args"), List.class));
        assertEquals("savepoint", job.path("upgradeMode").asText(), "upgrades keep exactly-once state");
        assertEquals(workers, spec.path("taskManager").path("replicas").asInt(), "one TaskManager per worker");
        assertEquals(workers, job.path("parallelism").asInt());
        JsonNode conf = spec.path("flinkConfiguration");
        conf.fields().forEachRemaining(e -> assertTrue(e.getValue().isTextual(),
                "flinkConfiguration is a map of strings (the operator's CRD): " + e.getKey()));
        assertEquals(2, conf.path("taskmanager.numberOfTaskSlots").asInt(), "a worker's group + a default-group slot");
        assertTrue(conf.path("env.java.opts.all").asText().contains("-Dai.djl.offline=true"));
        JsonNode tm = spec.path("taskManager").path("podTemplate").path("spec");
        JsonNode container = tm.path("containers").get(0);
        assertEquals("flink-main-container", container.path("name").asText());
        assertEquals(gpus, container.path("resources").path("limits").path("nvidia.com/gpu").asInt());
        assertEquals(String.valueOf(gpus), conf.path("external-resource.gpu.amount").asText());
        assertEquals("gpu", conf.path("external-resources").asText());
        assertEquals("true", conf.path("cluster.fine-grained-resource-management.enabled").asText(),
                "slot-sharing groups that request GPUs need fine-grained resource management");
        assertEquals("true", tm.path("nodeSelector").path("nvidia.com/gpu.present").asText());
        Set<String> mounted = new HashSet<>();
        container.path("volumeMounts").forEach(v -> mounted.add(v.path("mountPath").asText()));
        assertTrue(mounted.contains(K8sManifests.JOB_CONFIG_MOUNT));

        // The job configuration from the ConfigMap loads and validates as the job would load it.
        assertEquals("moa-job-config", configMap.path("metadata").path("name").asText());
        Path jobYaml = dir.resolve("job-" + workers + ".yaml");
        Files.writeString(jobYaml, configMap.path("data").path("job.yaml").asText());
        List<String[]> overrides = new ArrayList<>();
        if (plan != null) {
            assertEquals(K8sManifests.JOB_CONFIG_MOUNT + "/placement-plan.json",
                    YAML.readTree(jobYaml.toFile()).path("routing").path("placement").asText());
            assertTrue(configMap.path("data").has("placement-plan.json"));
            overrides.add(new String[] {"routing.placement", plan.toString()}); // the mounted copy, here
        }
        JobConfig config = ConfigLoader.load(jobYaml, overrides);
        assertEquals(JobConfig.Delivery.EXACTLY_ONCE, config.kafka().delivery());
        assertEquals(null, config.checkpointIntervalMs(), "Flink's setting, not the job's");
        assertEquals(gpus, config.routing().gpusPerWorker());
        assertTrue(config.kafka().propertiesFile().startsWith(K8sManifests.JOB_CONFIG_MOUNT + "/"));
        Properties client = new Properties();
        client.load(new StringReader(configMap.path("data").path("kafka-client.properties").asText()));
        assertEquals("SSL", client.getProperty("security.protocol"), "the Strimzi listener is TLS");

        // Strimzi: the bootstrap service of the cluster's TLS listener, the job's three topics, and a transaction
        // maximum above the job's transaction timeout.
        JsonNode cluster = kafka.stream().filter(k -> k.path("kind").asText().equals("Kafka")).findFirst().orElseThrow();
        String name = cluster.path("metadata").path("name").asText();
        String namespace = cluster.path("metadata").path("namespace").asText();
        JsonNode listener = cluster.path("spec").path("kafka").path("listeners").get(0);
        assertTrue(listener.path("tls").asBoolean());
        assertEquals(name + "-kafka-bootstrap." + namespace + ".svc:" + listener.path("port").asInt(),
                config.kafka().bootstrapServers());
        long brokerMax = cluster.path("spec").path("kafka").path("config").path("transaction.max.timeout.ms").asLong();
        assertTrue(config.kafka().transactionTimeoutMs() < brokerMax,
                config.kafka().transactionTimeoutMs() + " must stay below " + brokerMax);
        long interval = java.time.Duration.parse("PT" + conf.path("execution.checkpointing.interval").asText()
                .replace(" ", "").toUpperCase()).toMillis();
        assertTrue(interval > 0, "the FlinkDeployment checkpoints: exactly-once answers commit at checkpoints");
        assertTrue(config.kafka().transactionTimeoutMs() > interval);
        Set<String> topics = new HashSet<>();
        for (JsonNode k : kafka) {
            if (k.path("kind").asText().equals("KafkaTopic")) {
                assertEquals(name, k.path("metadata").path("labels").path("strimzi.io/cluster").asText());
                topics.add(k.path("spec").path("topicName").asText());
                assertTrue(k.path("spec").path("replicas").asInt() >= 3);
            }
        }
        assertEquals(Set.of(config.kafka().queriesTopic(), config.kafka().answersTopic(),
                config.kafka().deadLetterTopic()), topics);
        assertTrue(kafka.stream().anyMatch(k -> k.path("kind").asText().equals("KafkaNodePool")
                && k.path("metadata").path("labels").path("strimzi.io/cluster").asText().equals(name)));
        assertTrue(((ObjectNode) cluster.path("metadata").path("annotations")).path("strimzi.io/kraft").asText()
                .equals("enabled"));
    }
}
