package dev.moaflink.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code models} benchmark's JSON and markdown: accuracy per skill, paired tests, bypass, and the targets. */
final class ModelsReport {

    /** Each bundled expert's own skills, as its model card states them. */
    static final Map<String, List<String>> OWN_SKILLS = Map.of(
            "expert-small", List.of("compare"),
            "expert-medium", List.of("word_for_gloss", "gloss_for_word"),
            "expert-large", List.of("arithmetic", "sequence"));
    static final String DENSE = "dense 9-9-1";
    static final String TREE = "tree 9-3-1";
    static final String NO_BYPASS = "tree + overlap + early exit";
    static final String FULL = "all mechanisms (+ bypass T=2/3)";

    private ModelsReport() {}

    static BenchReport of(ModelsScores s, int n, Map<String, Double> wall, double wallS) {
        BenchReport r = new BenchReport("models");
        r.md("# Benchmark `models`: what Mixture-of-Agents adds on the bundled models\n\n")
                .md("The bundled models on the DJL engine (CPU), batch mode, the first " + n + " questions of their "
                        + "held-out suite (`suite-test.jsonl`), greedy. Each expert alone and the experts' majority "
                        + "vote are read from the tree run's level-1 traces (its copies decode what the expert alone "
                        + "decodes). Skill routing sends each kind of question to its specialist (`routing.skills`, "
                        + "k = 1) and then the aggregator.\n\n");
        List<String> skills = new ArrayList<>(s.accuracy(TREE).keySet());
        r.md("| | " + String.join(" | ", skills) + " |\n|---|" + "---:|".repeat(skills.size()) + "\n");
        Map<String, Object> accuracy = new LinkedHashMap<>();
        for (String c : s.correct().keySet()) {
            Map<String, Double> acc = s.accuracy(c);
            Map<String, Object> rounded = new LinkedHashMap<>();
            acc.forEach((k, v) -> rounded.put(k, LoadReport.round(v)));
            accuracy.put(c, rounded);
            StringBuilder row = new StringBuilder("| " + c + " |");
            skills.forEach(k -> row.append(String.format(Locale.ROOT, " %.1f %% |", 100 * acc.getOrDefault(k, 0.0))));
            r.md(row + "\n");
        }
        r.put("queries", n);
        r.put("accuracy", accuracy);

        Map<String, Object> own = new LinkedHashMap<>();
        boolean ownMet = true;
        for (String e : ModelsScores.EXPERTS) {
            Map<String, Double> acc = s.accuracy(e);
            double worst = OWN_SKILLS.get(e).stream().mapToDouble(k -> acc.getOrDefault(k, 0.0)).min().orElse(0);
            own.put(e, LoadReport.round(worst));
            ownMet &= worst >= 0.8;
        }
        String best = ModelsScores.EXPERTS.stream().max((a, b) -> Double.compare(s.accuracy(a).get("all"),
                s.accuracy(b).get("all"))).orElseThrow();
        double bestAll = s.accuracy(best).get("all");
        double dense = s.accuracy(DENSE).get("all");
        double tree = s.accuracy(TREE).get("all");
        double full = s.accuracy(FULL).get("all");
        VariantMetrics.Paired treeVsBest = s.paired(TREE, best);
        VariantMetrics.Paired denseVsBest = s.paired(DENSE, best);
        VariantMetrics.Paired fullVsDense = s.paired(FULL, DENSE);
        VariantMetrics.Paired bypass = s.paired(FULL, NO_BYPASS);
        r.put("own_skills_worst_accuracy", own);
        r.put("best_single_expert", best);
        Map<String, Object> gain = new LinkedHashMap<>();
        gain.put("dense", LoadReport.round(100 * (dense - bestAll)));
        gain.put("tree", LoadReport.round(100 * (tree - bestAll)));
        r.put("moa_minus_best_single_pp", gain);
        r.put("full_minus_dense_pp", LoadReport.round(100 * (full - dense)));
        Map<String, Object> paired = new LinkedHashMap<>();
        paired.put("tree_vs_best_single", pairedJson(treeVsBest));
        paired.put("dense_vs_best_single", pairedJson(denseVsBest));
        paired.put("full_vs_dense", pairedJson(fullVsDense));
        r.put("paired", paired);
        Map<String, Object> bp = new LinkedHashMap<>();
        bp.put("bypassed_aggregators", s.bypassed().get(FULL));
        bp.put("saved", bypass.gained());
        bp.put("lost", bypass.lost());
        r.put("bypass", bp);
        Map<String, Object> targets = new LinkedHashMap<>();
        targets.put("experts_own_skills_at_least_80", ownMet);
        targets.put("moa_at_least_best_single_plus_10pp", dense - bestAll >= 0.1 && tree - bestAll >= 0.1);
        targets.put("full_within_1pp_of_dense", Math.abs(full - dense) <= 0.01);
        targets.put("bypass_loses_at_most_what_it_saves", bypass.lost() <= bypass.gained());
        r.put("targets", targets);

        r.md(String.format(Locale.ROOT, "%nBest single expert: %s, %.1f %%. Dense %+.1f pp over it (+%d / −%d, sign test"
                        + " p = %.2g), tree %+.1f pp (+%d / −%d, p = %.2g). All mechanisms vs dense: %+.1f pp (+%d / −%d, "
                        + "p = %.2f). Bypass (all mechanisms vs the same without bypass): %d aggregators bypassed, "
                        + "%d questions saved, %d lost.%n%n", best, 100 * bestAll, 100 * (dense - bestAll),
                denseVsBest.gained(), denseVsBest.lost(), denseVsBest.signTestP(), 100 * (tree - bestAll),
                treeVsBest.gained(), treeVsBest.lost(), treeVsBest.signTestP(), 100 * (full - dense),
                fullVsDense.gained(), fullVsDense.lost(), fullVsDense.signTestP(), s.bypassed().get(FULL),
                bypass.gained(), bypass.lost()));
        r.md("| target | measured | met |\n|---|---|---|\n");
        StringBuilder worst = new StringBuilder();
        own.forEach((e, v) -> worst.append(worst.length() == 0 ? "" : ", ").append(e).append(' ')
                .append(String.format(Locale.ROOT, "%.0f %%", 100 * (Double) v)));
        r.md(String.format(Locale.ROOT, "| every expert ≥ 80 %% on its own skills | worst own skill: %s | %s |%n",
                worst, ownMet ? "yes" : "no"));
        r.md(String.format(Locale.ROOT, "| MoA (dense and tree) ≥ best single + 10 pp | dense %+.1f, tree %+.1f pp | %s |%n",
                100 * (dense - bestAll), 100 * (tree - bestAll), targets.get("moa_at_least_best_single_plus_10pp")
                        .equals(true) ? "yes" : "no"));
        r.md(String.format(Locale.ROOT, "| all mechanisms within ±1 pp of dense | %+.1f pp | %s |%n",
                100 * (full - dense), Math.abs(full - dense) <= 0.01 ? "yes" : "no"));
        r.md(String.format(Locale.ROOT, "| bypass never loses more than it saves | saved %d, lost %d | %s |%n",
                bypass.gained(), bypass.lost(), bypass.lost() <= bypass.gained() ? "yes" : "no"));
        r.md("\nWall time per run:");
        wall.forEach((k, v) -> r.md(String.format(Locale.ROOT, " %s %.0f s;", k, v)));
        r.put("wall_s", LoadReport.round(wallS));
        r.md(String.format(Locale.ROOT, " %.0f s in all.%n", wallS));
        return r;
    }

    private static Map<String, Object> pairedJson(VariantMetrics.Paired p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gained", p.gained());
        m.put("lost", p.lost());
        m.put("sign_test_p", p.signTestP());
        return m;
    }
}
