package dev.moaflink.bench;

import dev.moaflink.schema.Query;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An endless stream of new synthetic queries (arithmetic and "which is largest", see {@link SyntheticQueries}), in
 * blocks of a seeded generator: ids {@code NAME-SEED-N}, texts drawn afresh, so the prompts of one run share only
 * what the job's prompt templates share.
 */
final class LoadQueries {

    private static final int BLOCK = 256;

    private final String prefix;
    private final long seed;
    private final Deque<Query> ready = new ArrayDeque<>();
    private long blocks;

    LoadQueries(String name, long seed) {
        this.prefix = name + "-" + seed + "-";
        this.seed = seed;
    }

    Query next() {
        if (ready.isEmpty()) {
            long b = blocks++;
            ready.addAll(SyntheticQueries.generate(BLOCK, seed * 1_000_003L + b, prefix + b + "-"));
        }
        return ready.poll();
    }
}
