package dev.moaflink.engine.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.engine.EngineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A committed test model with reference outputs of the PyTorch implementation used for training. */
record Fixture(Path dir, List<Prompt> prompts, float[][] allLogits, List<Prompt> tokenizerCases) {

    /** @param minGap smallest top-1 minus top-2 logit over the greedy steps: how close the reference came to a tie */
    record Prompt(String text, int[] ids, float[] lastLogits, int[] greedy, double minGap) {}

    static Fixture load(String name) throws Exception {
        Path dir = Path.of(Fixture.class.getResource("/fixtures/" + name).toURI());
        JsonNode r = new ObjectMapper().readTree(Files.readString(dir.resolve("reference.json")));
        List<Prompt> prompts = new ArrayList<>();
        for (JsonNode p : r.get("prompts")) {
            prompts.add(new Prompt(p.get("text").asText(), ints(p.get("ids")), floats(p.get("last_logits")),
                    ints(p.get("greedy")), p.path("greedy_min_top2_gap").asDouble(Double.NaN)));
        }
        List<Prompt> cases = new ArrayList<>();
        for (JsonNode p : r.get("tokenizer_cases")) {
            cases.add(new Prompt(p.get("text").asText(), ints(p.get("ids")), null, null, Double.NaN));
        }
        JsonNode all = r.get("all_logits");
        float[][] allLogits = new float[all.size()][];
        for (int i = 0; i < all.size(); i++) {
            allLogits[i] = floats(all.get(i));
        }
        return new Fixture(dir, prompts, allLogits, cases);
    }

    EngineSpec spec(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>(Map.of("path", dir.toString(), "device", "cpu", "chat_template", "none"));
        o.putAll(extra);
        return new EngineSpec("djl", dir.getFileName().toString(), o);
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }
}
