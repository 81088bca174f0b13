package dev.moaflink.scheduler.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes cost profile files ({@code moa-cost-profile/1}, JSON; see {@code scheduler/README.md}), and
 * the bundled reference profiles. Every problem in a file is reported together, naming the file and the field.
 */
public final class CostProfiles {

    public static final String FORMAT = "moa-cost-profile/1";
    /** The bundled reference profiles (GPU-class models on H100 / A100, derived from published figures). */
    public static final List<String> BUNDLED = List.of("instruct-4b", "instruct-8b", "instruct-32b", "reasoning-8b", "reasoning-32b");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> FIELDS = Set.of("format", "model", "reference", "description", "weight_mb",
            "kv_bytes_per_token", "kv_budget_mb", "load_s", "overhead_ms", "output_tokens", "workers", "citations");

    private CostProfiles() {}

    public static CostProfile read(Path file) {
        try {
            return parse(JSON.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable JSON: " + e.getMessage(), e);
        }
    }

    /** A bundled reference profile by name (see {@link #BUNDLED}). */
    public static CostProfile bundled(String name) {
        String resource = "/dev/moaflink/scheduler/profiles/" + name + ".json";
        try (InputStream in = CostProfiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no bundled cost profile '" + name + "' (bundled: " + BUNDLED + ")");
            }
            return parse(JSON.readTree(in), resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CostProfile parse(JsonNode n, String source) {
        List<String> problems = new ArrayList<>();
        if (!n.isObject()) {
            throw new IllegalArgumentException(source + ": a cost profile is a JSON object");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                problems.add("unknown field '" + f + "'");
            }
        }
        if (!FORMAT.equals(n.path("format").asText())) {
            problems.add("format must be \"" + FORMAT + "\", was " + n.path("format"));
        }
        String model = n.path("model").asText("");
        if (model.isBlank()) {
            problems.add("model is required");
        }
        double weight = positive(n, "weight_mb", problems);
        long kvBytes = (long) positive(n, "kv_bytes_per_token", problems);
        double kvBudget = nonNegative(n, "kv_budget_mb", problems);
        double load = nonNegative(n, "load_s", problems);
        double overhead = nonNegative(n, "overhead_ms", problems);
        JsonNode out = n.path("output_tokens");
        double mean = positive(out, "mean", problems, "output_tokens.");
        double p95 = positive(out, "p95", problems, "output_tokens.");
        if (p95 < mean) {
            problems.add("output_tokens.p95 (" + p95 + ") is below the mean (" + mean + ")");
        }
        Map<String, CostProfile.Throughput> workers = new TreeMap<>();
        JsonNode w = n.path("workers");
        if (!w.isObject() || w.isEmpty()) {
            problems.add("workers must map at least one worker type to its throughput");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = w.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = "workers." + e.getKey() + ".";
                workers.put(e.getKey(), new CostProfile.Throughput(positive(e.getValue(), "prefill_tps", problems, p),
                        positive(e.getValue(), "decode_tps", problems, p),
                        positive(e.getValue(), "decode_tps_b1", problems, p)));
            }
        }
        Map<String, String> citations = new LinkedHashMap<>();
        n.path("citations").fields().forEachRemaining(e -> citations.put(e.getKey(), e.getValue().asText()));
        boolean reference = n.path("reference").asBoolean(false);
        if (reference) {
            for (String f : List.of("weight_mb", "kv_bytes_per_token", "kv_budget_mb", "load_s", "overhead_ms",
                    "output_tokens", "workers")) {
                if (!citations.containsKey(f)) {
                    problems.add("reference profile without a citation for " + f);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(source + ": " + String.join("; ", problems));
        }
        return new CostProfile(model, reference, n.path("description").asText(""), weight, kvBytes, kvBudget, load,
                overhead, new CostProfile.OutputLength(mean, p95), workers, citations);
    }

    public static void write(CostProfile p, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), toJson(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static ObjectNode toJson(CostProfile p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT).put("model", p.model()).put("reference", p.reference())
                .put("description", p.description()).put("weight_mb", p.weightMb())
                .put("kv_bytes_per_token", p.kvBytesPerToken()).put("kv_budget_mb", p.kvBudgetMb())
                .put("load_s", p.loadSeconds()).put("overhead_ms", p.overheadMs());
        n.putObject("output_tokens").put("mean", p.output().mean()).put("p95", p.output().p95());
        ObjectNode w = n.putObject("workers");
        p.workers().forEach((type, t) -> w.putObject(type).put("prefill_tps", t.prefillTps())
                .put("decode_tps", t.decodeTps()).put("decode_tps_b1", t.decodeTpsB1()));
        ObjectNode c = n.putObject("citations");
        p.citations().forEach(c::put);
        return n;
    }

    private static double positive(JsonNode n, String field, List<String> problems) {
        return positive(n, field, problems, "");
    }

    private static double positive(JsonNode n, String field, List<String> problems, String prefix) {
        JsonNode v = n.path(field);
        if (!v.isNumber() || v.asDouble() <= 0) {
            problems.add(prefix + field + " must be a positive number, was " + (v.isMissingNode() ? "missing" : v));
            return 1;
        }
        return v.asDouble();
    }

    private static double nonNegative(JsonNode n, String field, List<String> problems) {
        JsonNode v = n.path(field);
        if (!v.isNumber() || v.asDouble() < 0) {
            problems.add(field + " must be a number >= 0, was " + (v.isMissingNode() ? "missing" : v));
            return 0;
        }
        return v.asDouble();
    }
}
