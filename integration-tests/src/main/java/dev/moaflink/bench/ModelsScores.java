package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.schema.TaskType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Right or wrong per question for every contender of the {@code models} benchmark: each run's answers, each expert
 * alone and the experts' majority vote (from one run's level-1 traces), with the question's skill for per-skill
 * accuracy.
 *
 * @param skillOf   question id → skill
 * @param correct   contender → (question id → right)
 * @param bypassed  run → aggregators it bypassed
 */
record ModelsScores(Map<String, String> skillOf, Map<String, Map<String, Boolean>> correct,
                    Map<String, Integer> bypassed) {

    /** The experts in the order the majority vote breaks ties (the larger first). */
    static final List<String> EXPERTS = List.of("expert-large", "expert-medium", "expert-small");
    static final String VOTE = "majority vote";

    static ModelsScores of(Map<String, JsonNode> questions, Map<String, List<JsonNode>> runs, String tracesOf) {
        Map<String, String> skillOf = new LinkedHashMap<>();
        questions.forEach((id, q) -> skillOf.put(id, q.path("skill").asText("all")));
        Map<String, Map<String, Boolean>> correct = new LinkedHashMap<>();
        Map<String, String[]> expertAnswers = new HashMap<>(); // id → answer per EXPERTS entry (null: none)
        for (JsonNode a : runs.get(tracesOf)) {
            String id = a.path("query_id").asText();
            JsonNode q = questions.get(id);
            String[] byExpert = new String[EXPERTS.size()];
            for (int e = 0; e < EXPERTS.size(); e++) {
                byExpert[e] = expertAnswer(a, EXPERTS.get(e));
                correct.computeIfAbsent(EXPERTS.get(e), k -> new LinkedHashMap<>()).put(id, right(byExpert[e], q));
            }
            expertAnswers.put(id, byExpert);
            correct.computeIfAbsent(VOTE, k -> new LinkedHashMap<>()).put(id, right(vote(byExpert), q));
        }
        Map<String, Integer> bypassed = new LinkedHashMap<>();
        runs.forEach((name, answers) -> {
            Map<String, Boolean> c = new LinkedHashMap<>();
            int skipped = 0;
            for (JsonNode a : answers) {
                c.put(a.path("query_id").asText(), a.path("correct").asBoolean(false));
                for (JsonNode t : a.path("trace")) {
                    skipped += t.path("bypassed").asBoolean(false) ? 1 : 0;
                }
            }
            correct.put(name, c);
            bypassed.put(name, skipped);
        });
        return new ModelsScores(skillOf, correct, bypassed);
    }

    /** The answer most of an expert's level-1 copies that ran extracted (greedy copies agree); null if none did. */
    static String expertAnswer(JsonNode answer, String model) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (JsonNode t : answer.path("trace")) {
            if (t.path("level").asInt() == 1 && model.equals(t.path("model").asText())
                    && "RAN".equals(t.path("status").asText()) && t.hasNonNull("extracted_answer")) {
                counts.merge(t.path("extracted_answer").asText(), 1, Integer::sum);
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    /** The most common answer; ties go to the earlier (larger) expert; null when no expert answered. */
    static String vote(String[] answers) {
        String best = null;
        int bestCount = 0;
        for (String a : answers) {
            if (a == null) {
                continue;
            }
            int count = 0;
            for (String b : answers) {
                count += a.equals(b) ? 1 : 0;
            }
            if (count > bestCount) {
                best = a;
                bestCount = count;
            }
        }
        return best;
    }

    private static boolean right(String extracted, JsonNode q) {
        List<String> choices = new ArrayList<>();
        q.path("choices").forEach(c -> choices.add(c.asText()));
        TaskType type = TaskType.valueOf(q.path("task_type").asText("free_text").toUpperCase(Locale.ROOT));
        return Boolean.TRUE.equals(AnswerExtractor.score(extracted, q.path("gold").asText(null), type,
                choices.toArray(String[]::new)));
    }

    /** Accuracy per skill (in the suite's order) and over all ("all") of one contender. */
    Map<String, Double> accuracy(String contender) {
        Map<String, int[]> bySkill = new LinkedHashMap<>();
        skillOf.values().forEach(k -> bySkill.putIfAbsent(k, new int[2]));
        correct.get(contender).forEach((id, ok) -> {
            for (String k : List.of(skillOf.getOrDefault(id, "all"), "all")) {
                int[] c = bySkill.computeIfAbsent(k, x -> new int[2]);
                c[0] += ok ? 1 : 0;
                c[1]++;
            }
        });
        Map<String, Double> out = new LinkedHashMap<>();
        bySkill.entrySet().stream().filter(e -> !e.getKey().equals("all") && e.getValue()[1] > 0)
                .forEach(e -> out.put(e.getKey(), e.getValue()[0] / (double) e.getValue()[1]));
        int[] all = bySkill.getOrDefault("all", new int[] {0, 1});
        out.put("all", all[0] / (double) Math.max(1, all[1]));
        return out;
    }

    /** Paired comparison of two contenders on the questions both answered. */
    VariantMetrics.Paired paired(String contender, String reference) {
        return VariantMetrics.Paired.of(correct.get(contender), correct.get(reference));
    }
}
