package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.moaflink.scheduler.plan.PlacementPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the Kubernetes manifests of a deployment: a Flink Kubernetes Operator {@code FlinkDeployment} for the job
 * (one TaskManager per placement-plan worker, each with the worker's GPUs as the Flink external resource {@code gpu}
 * and the matching {@code nvidia.com/gpu} limit and node selector, two slots: the worker's slot-sharing group and
 * a share of the default group), a {@code ConfigMap} with the job configuration, and Strimzi {@code Kafka},
 * {@code KafkaNodePool} and {@code KafkaTopic}s for the job's topics.
 *
 * <pre>
 * java -cp ... dev.moaflink.deploy.K8sManifests --out deploy/k8s [--plan plan.json] [--gpus-per-worker 1]
 *      [--image moa-flink:latest] [--namespace moa] [--workers 1]
 * </pre>
 */
public final class K8sManifests {

    /** What a rendering depends on. */
    public record Options(String namespace, String image, String kafkaCluster, int workers, int gpusPerWorker,
                          String gpuNodeLabel, String planFile) {

        public static Options defaults() {
            return new Options("moa", "moa-flink:latest", "moa-kafka", 1, 1, "nvidia.com/gpu.present", null);
        }
    }

    public static final String JOB_CONFIG_MOUNT = "/opt/moa/conf";
    public static final String JOB_JAR = "local:///opt/flink/usrlib/moa-flink-job.jar";
    static final String[] TOPICS = {"moa.queries", "moa.answers", "moa.dead-letters"};
    /** Kafka's default; the job's transaction timeout must stay below it. */
    static final long BROKER_TRANSACTION_MAX_MS = 900_000;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            // flinkConfiguration and ConfigMap data are maps of strings: "2" must stay a string, not become 2
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private K8sManifests() {}

    /** The manifests by file name. */
    public static Map<String, String> render(Options o) {
        int workers = o.workers();
        List<String> planWorkers = new ArrayList<>();
        if (o.planFile() != null) {
            PlacementPlan plan = PlacementPlan.read(Path.of(o.planFile()));
            plan.workers().forEach(w -> planWorkers.add(w.id()));
            workers = planWorkers.size();
        }
        Map<String, String> files = new LinkedHashMap<>();
        files.put("job-config.yaml", yaml(jobConfigMap(o)));
        files.put("flink-deployment.yaml", yaml(flinkDeployment(o, workers)));
        StringBuilder kafka = new StringBuilder(yaml(nodePool(o))).append("---\n").append(yaml(kafkaCluster(o)));
        for (String topic : TOPICS) {
            kafka.append("---\n").append(yaml(topic(o, topic)));
        }
        files.put("kafka.yaml", kafka.toString());
        return files;
    }

    static String bootstrap(Options o) {
        return o.kafkaCluster() + "-kafka-bootstrap." + o.namespace() + ".svc:9093";
    }

    private static Map<String, Object> jobConfigMap(Options o) {
        String job = """
                # The job's configuration (see flink-job/src/main/resources/moa-defaults.yaml for every key).
                # Parallelism, checkpointing and the buffer timeout are Flink's (the FlinkDeployment's).
                mode: streaming
                default_topology: tree-9-3-1
                kafka:
                  bootstrap_servers: %s
                  queries_topic: %s
                  answers_topic: %s
                  dead_letter_topic: %s
                  group_id: moa-flink
                  delivery: exactly_once
                  transactional_id_prefix: moa-flink
                  transaction_timeout_ms: 600000
                  # TLS client settings; credentials come from the mounted Secret via MOA_KAFKA_* variables
                  properties_file: %s/kafka-client.properties
                routing:
                  gpus_per_worker: %d
                """.formatted(bootstrap(o), TOPICS[0], TOPICS[1], TOPICS[2], JOB_CONFIG_MOUNT, o.gpusPerWorker());
        if (o.planFile() != null) {
            job += "  placement: " + JOB_CONFIG_MOUNT + "/placement-plan.json\n";
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("job.yaml", job);
        data.put("kafka-client.properties", "security.protocol=SSL\nssl.truststore.type=PEM\n"
                + "ssl.truststore.location=/opt/moa/kafka-ca/ca.crt\n");
        if (o.planFile() != null) {
            try {
                data.put("placement-plan.json", Files.readString(Path.of(o.planFile())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return map("apiVersion", "v1", "kind", "ConfigMap",
                "metadata", map("name", "moa-job-config", "namespace", o.namespace()),
                "data", data);
    }

    private static Map<String, Object> flinkDeployment(Options o, int workers) {
        Map<String, Object> conf = new LinkedHashMap<>();
        conf.put("taskmanager.numberOfTaskSlots", "2");
        // Heap state fits the job's default (compact) duplicate-id window; for windows of hours switch to rocksdb,
        // execution.checkpointing.incremental: true and limits.duplicate_state: per_id.
        conf.put("state.backend.type", "hashmap");
        // Exactly-once answers become visible at checkpoints; a 5 ms flush keeps each network hop's latency low.
        conf.put("execution.checkpointing.interval", "1 s");
        conf.put("execution.buffer-timeout.interval", "5 ms");
        conf.put("execution.checkpointing.dir", "s3://moa-flink/checkpoints");
        conf.put("execution.checkpointing.savepoint-dir", "s3://moa-flink/savepoints");
        conf.put("high-availability.type", "kubernetes");
        conf.put("high-availability.storageDir", "s3://moa-flink/ha");
        conf.put("restart-strategy.type", "exponential-delay");
        conf.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.put("metrics.reporter.prom.port", "9249");
        conf.put("env.java.opts.all", "-Dai.djl.offline=true");
        if (o.gpusPerWorker() > 0) {
            conf.put("cluster.fine-grained-resource-management.enabled", "true");
            conf.put("external-resources", "gpu");
            conf.put("external-resource.gpu.amount", String.valueOf(o.gpusPerWorker()));
            conf.put("external-resource.gpu.driver-factory.class",
                    "org.apache.flink.externalresource.gpu.GPUDriverFactory");
            conf.put("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu");
        }
        Map<String, Object> tmContainer = map("name", "flink-main-container",
                "env", List.of(map("name", "MOA_KAFKA_SSL_KEYSTORE_TYPE", "value", "PEM")),
                "envFrom", List.of(map("secretRef", map("name", "moa-kafka-client", "optional", true))),
                "volumeMounts", List.of(map("name", "job-config", "mountPath", JOB_CONFIG_MOUNT),
                        map("name", "kafka-ca", "mountPath", "/opt/moa/kafka-ca")));
        Map<String, Object> tmSpec = new LinkedHashMap<>();
        tmSpec.put("containers", List.of(tmContainer));
        tmSpec.put("volumes", List.of(map("name", "job-config", "configMap", map("name", "moa-job-config")),
                map("name", "kafka-ca", "secret", map("secretName", o.kafkaCluster() + "-cluster-ca-cert"))));
        Map<String, Object> tmResource = new LinkedHashMap<>();
        tmResource.put("cpu", 4);
        tmResource.put("memory", "16g");
        if (o.gpusPerWorker() > 0) {
            tmSpec.put("nodeSelector", map(o.gpuNodeLabel(), "true"));
            tmSpec.put("tolerations", List.of(map("key", "nvidia.com/gpu", "operator", "Exists",
                    "effect", "NoSchedule")));
            tmContainer.put("resources", map("limits", map("nvidia.com/gpu", o.gpusPerWorker())));
        }
        Map<String, Object> jmSpec = map("containers", List.of(map("name", "flink-main-container",
                        "volumeMounts", List.of(map("name", "job-config", "mountPath", JOB_CONFIG_MOUNT),
                                map("name", "kafka-ca", "mountPath", "/opt/moa/kafka-ca")),
                        "envFrom", List.of(map("secretRef", map("name", "moa-kafka-client", "optional", true))))),
                "volumes", List.of(map("name", "job-config", "configMap", map("name", "moa-job-config")),
                        map("name", "kafka-ca", "secret", map("secretName", o.kafkaCluster() + "-cluster-ca-cert"))));
        return map("apiVersion", "flink.apache.org/v1beta1", "kind", "FlinkDeployment",
                "metadata", map("name", "moa-flink", "namespace", o.namespace()),
                "spec", map(
                        "image", o.image(),
                        "flinkVersion", "v2_2",
                        "serviceAccount", "flink",
                        "flinkConfiguration", conf,
                        "jobManager", map("replicas", 1, "resource", map("cpu", 1, "memory", "2g"),
                                "podTemplate", map("spec", jmSpec)),
                        "taskManager", map("replicas", workers, "resource", tmResource,
                                "podTemplate", map("spec", tmSpec)),
                        "job", map("jarURI", JOB_JAR,
                                "entryClass", "dev.moaflink.job.MoaJob",
                                "args", List.of("--config", JOB_CONFIG_MOUNT + "/job.yaml"),
                                "parallelism", workers,
                                "upgradeMode", "savepoint",
                                "state", "running")));
    }

    private static Map<String, Object> nodePool(Options o) {
        return map("apiVersion", "kafka.strimzi.io/v1beta2", "kind", "KafkaNodePool",
                "metadata", map("name", "dual-role", "namespace", o.namespace(),
                        "labels", map("strimzi.io/cluster", o.kafkaCluster())),
                "spec", map("replicas", 3, "roles", List.of("controller", "broker"),
                        "storage", map("type", "jbod", "volumes", List.of(map("id", 0, "type", "persistent-claim",
                                "size", "100Gi", "deleteClaim", false, "kraftMetadata", "shared")))));
    }

    private static Map<String, Object> kafkaCluster(Options o) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("offsets.topic.replication.factor", 3);
        config.put("transaction.state.log.replication.factor", 3);
        config.put("transaction.state.log.min.isr", 2);
        config.put("default.replication.factor", 3);
        config.put("min.insync.replicas", 2);
        config.put("transaction.max.timeout.ms", BROKER_TRANSACTION_MAX_MS);
        return map("apiVersion", "kafka.strimzi.io/v1beta2", "kind", "Kafka",
                "metadata", map("name", o.kafkaCluster(), "namespace", o.namespace(),
                        "annotations", map("strimzi.io/node-pools", "enabled", "strimzi.io/kraft", "enabled")),
                "spec", map(
                        "kafka", map("version", "4.2.0", "metadataVersion", "4.2-IV1",
                                "listeners", List.of(map("name", "tls", "port", 9093, "type", "internal", "tls", true)),
                                "config", config),
                        "entityOperator", map("topicOperator", map(), "userOperator", map())));
    }

    private static Map<String, Object> topic(Options o, String name) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("min.insync.replicas", 2);
        config.put("retention.ms", name.equals(TOPICS[0]) ? 604_800_000L : 1_209_600_000L);
        return map("apiVersion", "kafka.strimzi.io/v1beta2", "kind", "KafkaTopic",
                "metadata", map("name", name.replace('.', '-'), "namespace", o.namespace(),
                        "labels", map("strimzi.io/cluster", o.kafkaCluster())),
                "spec", map("topicName", name, "partitions", 12, "replicas", 3, "config", config));
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String yaml(Object o) {
        try {
            return YAML.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String USAGE = """
            usage: deploy/k8s/render.sh [--plan plan.json] [--gpus-per-worker N] [--workers N] [--image I]
                                        [--namespace NS] [--out DIR]

            Renders the Kubernetes manifests (Flink Kubernetes Operator FlinkDeployment, job ConfigMap, Strimzi Kafka
            and topics): one TaskManager per worker, or per placement-plan worker with the plan mounted for the job.
              --plan FILE           a placement plan (moa-placement-plan/1) from the scheduler
              --gpus-per-worker N   GPUs each TaskManager requests (default 1)
              --workers N           TaskManagers without a plan (default 1)
              --image I             the job image (default moa-flink:latest)
              --namespace NS        Kubernetes namespace (default moa)
              --out DIR             where to write (default deploy/k8s)
              --help                this text
            """;

    public static void main(String[] args) throws IOException {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("expected --key value pairs\n" + USAGE);
        }
        Options d = Options.defaults();
        String out = "deploy/k8s";
        String plan = null;
        int gpus = d.gpusPerWorker();
        int workers = d.workers();
        String image = d.image();
        String namespace = d.namespace();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = args[i + 1];
                case "--plan" -> plan = args[i + 1];
                case "--gpus-per-worker" -> gpus = Integer.parseInt(args[i + 1]);
                case "--workers" -> workers = Integer.parseInt(args[i + 1]);
                case "--image" -> image = args[i + 1];
                case "--namespace" -> namespace = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (known: --out --plan --gpus-per-worker --workers --image --namespace)");
            }
        }
        Options o = new Options(namespace, image, d.kafkaCluster(), workers, gpus, d.gpuNodeLabel(), plan);
        Path dir = Path.of(out);
        Files.createDirectories(dir);
        for (Map.Entry<String, String> f : render(o).entrySet()) {
            Files.writeString(dir.resolve(f.getKey()), "# Rendered by dev.moaflink.deploy.K8sManifests; do not edit.\n"
                    + f.getValue());
            System.out.println("wrote " + dir.resolve(f.getKey()));
        }
    }
}
