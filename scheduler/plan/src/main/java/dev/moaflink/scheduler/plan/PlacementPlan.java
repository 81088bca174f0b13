package dev.moaflink.scheduler.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The placement plan file ({@code moa-placement-plan/1}, JSON) the job reads at submission
 * ({@code --placement plan.json}): the workers (one slot-sharing group each) and, per model, its replicas with
 * the worker they run on and the share of the model's requests the router sends them (weights sum to 1).
 *
 * @param workers  the cluster's workers
 * @param models   model → stage and replicas
 * @param figures  the planner's estimates (seconds), for people reading the file
 */
public record PlacementPlan(List<Worker> workers, Map<String, ModelPlan> models, Map<String, Object> figures) {

    public static final String FORMAT = "moa-placement-plan/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record ModelPlan(Stage stage, List<Replica> replicas) {}

    /** One replica: the worker it runs on, the requests planned for it, its routing weight. */
    public record Replica(String worker, long requests, double weight) {}

    /** Slot-sharing group name of a worker. */
    public static String slotSharingGroup(String workerId) {
        return "worker-" + workerId;
    }

    public void write(Path file) {
        ObjectNode n = JSON.createObjectNode().put("format", FORMAT);
        var ws = n.putArray("workers");
        workers.forEach(w -> ws.addObject().put("id", w.id()).put("type", w.type()).put("memory_mb", w.memoryMb())
                .put("slot_sharing_group", slotSharingGroup(w.id())));
        ObjectNode ms = n.putObject("models");
        models.forEach((name, mp) -> {
            ObjectNode o = ms.putObject(name).put("stage", mp.stage().name().toLowerCase(Locale.ROOT));
            var rs = o.putArray("replicas");
            mp.replicas().forEach(r -> rs.addObject().put("worker", r.worker()).put("requests", r.requests())
                    .put("weight", Math.round(r.weight() * 1e6) / 1e6));
        });
        n.set("figures", JSON.valueToTree(figures));
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads and checks a plan file: known workers, at least one replica per model, weights summing to 1. */
    public static PlacementPlan read(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable JSON: " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        if (!FORMAT.equals(n.path("format").asText())) {
            problems.add("format must be \"" + FORMAT + "\", was " + n.path("format"));
        }
        List<Worker> workers = new ArrayList<>();
        for (JsonNode w : n.path("workers")) {
            try {
                workers.add(new Worker(w.path("id").asText(null), w.path("type").asText(null), w.path("memory_mb").asLong()));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (workers.isEmpty()) {
            problems.add("workers: at least one is required");
        }
        Map<String, ModelPlan> models = new LinkedHashMap<>();
        n.path("models").fields().forEachRemaining(e -> {
            String name = e.getKey();
            Stage stage;
            try {
                stage = Stage.valueOf(e.getValue().path("stage").asText("expert").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException bad) {
                problems.add("model " + name + ": stage must be expert or aggregator");
                return;
            }
            List<Replica> replicas = new ArrayList<>();
            double sum = 0;
            for (JsonNode r : e.getValue().path("replicas")) {
                String w = r.path("worker").asText("");
                if (workers.stream().noneMatch(x -> x.id().equals(w))) {
                    problems.add("model " + name + ": replica on unknown worker '" + w + "'");
                }
                double weight = r.path("weight").asDouble(-1);
                if (weight < 0) {
                    problems.add("model " + name + ": replica weight must be >= 0");
                }
                sum += weight;
                replicas.add(new Replica(w, r.path("requests").asLong(0), weight));
            }
            if (replicas.isEmpty()) {
                problems.add("model " + name + ": at least one replica is required");
            } else if (Math.abs(sum - 1) > 1e-3) {
                problems.add("model " + name + ": replica weights sum to " + sum + ", not 1");
            }
            models.put(name, new ModelPlan(stage, replicas));
        });
        if (models.isEmpty()) {
            problems.add("models: at least one is required");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        n.path("figures").fields().forEachRemaining(e -> figures.put(e.getKey(), e.getValue().isNumber()
                ? e.getValue().numberValue() : e.getValue().asText()));
        return new PlacementPlan(workers, models, figures);
    }
}
