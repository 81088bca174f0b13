package dev.moaflink.deploy;

import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.schema.Query;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which level-1 experts answered a query right, read from its answer's trace, and the tally over many queries: the
 * demo's way of showing what the aggregator added. An expert with several copies in the topology counts as right when
 * most of its copies that ran are (greedy copies answer alike; sampled ones may not).
 */
final class ExpertVerdicts {

    enum Verdict { RIGHT, WRONG, NO_ANSWER, STOPPED }

    private final Map<String, int[]> rightPerExpert = new LinkedHashMap<>();
    private int queries;
    private int moaRight;

    /** Each level-1 model's verdict on one answered query, in the order the trace lists them. */
    static Map<String, Verdict> of(Answer a, Query q) {
        Map<String, List<AgentTrace>> byModel = new LinkedHashMap<>();
        for (AgentTrace t : a.getTrace()) {
            if (t.getLevel() == 1) {
                byModel.computeIfAbsent(t.getModel(), m -> new ArrayList<>()).add(t);
            }
        }
        String[] choices = q.getChoices() == null ? null : q.getChoices().toArray(String[]::new);
        Map<String, Verdict> out = new LinkedHashMap<>();
        byModel.forEach((model, traces) -> {
            int ran = 0;
            int answered = 0;
            int right = 0;
            for (AgentTrace t : traces) {
                if (t.getStatus() != NodeStatus.RAN) {
                    continue;
                }
                ran++;
                if (t.getExtractedAnswer() != null) {
                    answered++;
                    right += Boolean.TRUE.equals(AnswerExtractor.score(t.getExtractedAnswer(), q.getGold(),
                            q.getTaskType(), choices)) ? 1 : 0;
                }
            }
            out.put(model, ran == 0 ? Verdict.STOPPED : 2 * right > ran ? Verdict.RIGHT
                    : answered == 0 ? Verdict.NO_ANSWER : Verdict.WRONG);
        });
        return out;
    }

    /** "experts: expert-small no answer, expert-medium right, expert-large stopped". */
    static String line(Map<String, Verdict> verdicts) {
        StringBuilder sb = new StringBuilder("experts:");
        verdicts.forEach((model, v) -> sb.append(sb.length() > 8 ? ", " : " ").append(model).append(' ')
                .append(v.name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        return sb.toString();
    }

    /** Counts one answered query that has a gold answer. */
    void add(Answer a, Map<String, Verdict> verdicts) {
        queries++;
        moaRight += Boolean.TRUE.equals(a.getCorrect()) ? 1 : 0;
        verdicts.forEach((model, v) -> rightPerExpert.computeIfAbsent(model, m -> new int[1])[0] +=
                v == Verdict.RIGHT ? 1 : 0);
    }

    /** "On the same 20 queries: MoA 18 right (90%); expert-small 5 (25%), ...". */
    String summary() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "On the same %d queries: MoA answer %d right (%s)",
                queries, moaRight, percent(moaRight)));
        String sep = "; alone, ";
        for (Map.Entry<String, int[]> e : rightPerExpert.entrySet()) {
            sb.append(sep).append(e.getKey()).append(' ').append(e.getValue()[0]).append(" (")
                    .append(percent(e.getValue()[0])).append(')');
            sep = ", ";
        }
        return sb.toString();
    }

    private String percent(int n) {
        return queries == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * n / queries);
    }
}
