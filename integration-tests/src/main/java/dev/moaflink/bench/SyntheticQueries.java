package dev.moaflink.bench;

import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic queries with known gold answers for tests and benchmarks: arithmetic (numeric) and
 * "which is largest" (multiple choice, 4 options) items, alternating.
 */
public final class SyntheticQueries {

    private SyntheticQueries() {}

    public static List<Query> generate(int n, long seed, String idPrefix) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Query> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = idPrefix + i;
            if (i % 2 == 0) {
                int a = rnd.nextInt(10, 99);
                int b = rnd.nextInt(10, 99);
                int c = rnd.nextInt(1, 9);
                out.add(query(id, "What is " + a + " + " + b + " * " + c + "?", List.of(), TaskType.NUMERIC,
                        String.valueOf(a + b * c)));
            } else {
                List<String> choices = new ArrayList<>();
                int best = 0;
                int bestValue = Integer.MIN_VALUE;
                for (int k = 0; k < 4; k++) {
                    int v = rnd.nextInt(100, 999);
                    while (v == bestValue) {
                        v = rnd.nextInt(100, 999);
                    }
                    choices.add(String.valueOf(v));
                    if (v > bestValue) {
                        bestValue = v;
                        best = k;
                    }
                }
                out.add(query(id, "Which number is the largest?", choices, TaskType.MULTIPLE_CHOICE,
                        String.valueOf((char) ('A' + best))));
            }
        }
        return out;
    }

    private static Query query(String id, String text, List<String> choices, TaskType type, String gold) {
        return Query.newBuilder().setId(id).setText(text).setChoices(choices).setTaskType(type).setGold(gold)
                .setSubmittedAt(Instant.now()).build();
    }
}
