package dev.moaflink.job.topology;

import java.util.List;

/**
 * A topology as written in the configuration file.
 *
 * <pre>
 * tree-9-3-1:            # Faster-MoA tree: each parent reads only its own cluster of fan_in children
 *   kind: tree
 *   fan_in: 3
 *   depth: 3             # levels including the root: 9 leaves, 3 mid aggregators, 1 root
 *   models:              # one list per level (leaves first); a level's nodes cycle through its list
 *     - [expert-a, expert-b, expert-c]
 *     - [aggregator]
 *     - [aggregator]
 * dense-9-9-1:           # Together MoA: every agent reads every output of the previous layer
 *   kind: dense
 *   layers:              # one model per node, leaves first; the last layer has exactly one node
 *     - [expert-a, expert-b, expert-c, expert-a, expert-b, expert-c, expert-a, expert-b, expert-c]
 *     - [aggregator, aggregator, aggregator, aggregator, aggregator, aggregator, aggregator, aggregator, aggregator]
 *     - [aggregator]
 * self-moa:              # any kind: how each level samples (optional, one entry per level; see LevelSampling)
 *   kind: tree
 *   fan_in: 6
 *   depth: 2
 *   models: [[expert-large], [aggregator]]
 *   sampling: [{temperature: 0.7, top_p: 0.95}, {temperature: 0}]
 * </pre>
 */
public record TopologySpec(Kind kind, Integer fanIn, Integer depth, List<List<String>> models,
                           List<List<String>> layers, List<LevelSampling> sampling) {

    public enum Kind { TREE, DENSE }

    /** A topology whose levels sample as the {@code agent} settings say. */
    public TopologySpec(Kind kind, Integer fanIn, Integer depth, List<List<String>> models,
                        List<List<String>> layers) {
        this(kind, fanIn, depth, models, layers, null);
    }

    /** How level {@code level} (1 = leaves) samples; null where the spec does not say. */
    public LevelSampling samplingOf(int level) {
        return sampling == null || level < 1 || level > sampling.size() ? null : sampling.get(level - 1);
    }
}
