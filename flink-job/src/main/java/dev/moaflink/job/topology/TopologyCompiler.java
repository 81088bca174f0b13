package dev.moaflink.job.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Turns a {@link TopologySpec} into a {@link Topology}, rejecting anything malformed with a clear message. */
public final class TopologyCompiler {

    private TopologyCompiler() {}

    /**
     * @param knownModels model names the configuration defines; every node must use one of them
     * @throws IllegalArgumentException naming the topology and what is wrong with it
     */
    public static Topology compile(String name, TopologySpec spec, Set<String> knownModels) {
        if (spec == null || spec.kind() == null) {
            throw bad(name, "'kind' is required (tree or dense)");
        }
        List<List<String>> modelsPerNode = switch (spec.kind()) {
            case TREE -> treeLayout(name, spec);
            case DENSE -> denseLayout(name, spec);
        };
        for (int l = 0; l < modelsPerNode.size(); l++) {
            for (String model : modelsPerNode.get(l)) {
                if (!knownModels.contains(model)) {
                    throw bad(name, "level " + (l + 1) + " uses unknown model '" + model + "'; known models: "
                            + new java.util.TreeSet<>(knownModels));
                }
            }
            if (modelsPerNode.get(l).size() > Topology.MAX_NODES_PER_LEVEL) {
                throw bad(name, "level " + (l + 1) + " has " + modelsPerNode.get(l).size()
                        + " nodes; at most " + Topology.MAX_NODES_PER_LEVEL + " are supported");
            }
        }
        if (spec.sampling() != null) {
            if (spec.sampling().size() != modelsPerNode.size()) {
                throw bad(name, "'sampling' must list one entry per level (" + modelsPerNode.size() + " levels), got "
                        + spec.sampling().size());
            }
            for (int l = 0; l < spec.sampling().size(); l++) {
                LevelSampling s = spec.sampling().get(l);
                String problem = s == null ? null : s.problem();
                if (problem != null) {
                    throw bad(name, "sampling of level " + (l + 1) + ": " + problem);
                }
            }
        }
        int fanIn = spec.kind() == TopologySpec.Kind.TREE ? spec.fanIn() : 0;
        return build(name, spec.kind(), modelsPerNode, fanIn);
    }

    private static List<List<String>> treeLayout(String name, TopologySpec spec) {
        if (spec.fanIn() == null || spec.fanIn() < 1) {
            throw bad(name, "fan_in must be >= 1, was " + spec.fanIn());
        }
        if (spec.depth() == null || spec.depth() < 1) {
            throw bad(name, "depth must be >= 1, was " + spec.depth());
        }
        if (spec.layers() != null) {
            throw bad(name, "a tree takes 'models' per level, not 'layers'");
        }
        List<List<String>> models = spec.models();
        if (models == null || models.size() != spec.depth()) {
            throw bad(name, "'models' must list one model list per level (" + spec.depth() + " levels), got "
                    + (models == null ? "none" : models.size()));
        }
        List<List<String>> layout = new ArrayList<>();
        int depth = spec.depth();
        for (int level = 1; level <= depth; level++) {
            long nodes = pow(spec.fanIn(), depth - level);
            if (nodes > Topology.MAX_NODES_PER_LEVEL) {
                throw bad(name, "level " + level + " would have " + nodes + " nodes (fan_in^" + (depth - level)
                        + "); at most " + Topology.MAX_NODES_PER_LEVEL + " are supported");
            }
            List<String> choices = models.get(level - 1);
            if (choices == null || choices.isEmpty()) {
                throw bad(name, "level " + level + " lists no model");
            }
            List<String> level_ = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                level_.add(choices.get(i % choices.size()));
            }
            layout.add(level_);
        }
        return layout;
    }

    private static List<List<String>> denseLayout(String name, TopologySpec spec) {
        if (spec.fanIn() != null || spec.depth() != null || spec.models() != null) {
            throw bad(name, "a dense topology takes 'layers' only (fan_in, depth and models are for trees)");
        }
        List<List<String>> layers = spec.layers();
        if (layers == null || layers.isEmpty()) {
            throw bad(name, "'layers' must list at least one layer");
        }
        for (int l = 0; l < layers.size(); l++) {
            if (layers.get(l) == null || layers.get(l).isEmpty()) {
                throw bad(name, "layer " + (l + 1) + " is empty");
            }
        }
        if (layers.get(layers.size() - 1).size() != 1) {
            throw bad(name, "the last layer must have exactly one node (the final aggregator), has "
                    + layers.get(layers.size() - 1).size());
        }
        return layers;
    }

    private static Topology build(String name, TopologySpec.Kind kind, List<List<String>> models, int fanIn) {
        List<List<TopologyNode>> levels = new ArrayList<>();
        for (int l = 0; l < models.size(); l++) {
            int level = l + 1;
            List<TopologyNode> nodes = new ArrayList<>();
            for (int i = 0; i < models.get(l).size(); i++) {
                List<String> children = new ArrayList<>();
                if (level > 1) {
                    int below = models.get(l - 1).size();
                    int from = kind == TopologySpec.Kind.TREE ? i * fanIn : 0;
                    int to = kind == TopologySpec.Kind.TREE ? (i + 1) * fanIn : below;
                    for (int c = from; c < to; c++) {
                        children.add(TopologyNode.idOf(level - 1, c));
                    }
                }
                List<String> parents = new ArrayList<>();
                if (level < models.size()) {
                    int above = models.get(l + 1).size();
                    if (kind == TopologySpec.Kind.TREE) {
                        parents.add(TopologyNode.idOf(level + 1, i / fanIn));
                    } else {
                        for (int p = 0; p < above; p++) {
                            parents.add(TopologyNode.idOf(level + 1, p));
                        }
                    }
                }
                nodes.add(new TopologyNode(TopologyNode.idOf(level, i), level, i, models.get(l).get(i), children,
                        parents));
            }
            levels.add(nodes);
        }
        return new Topology(name, kind, levels);
    }

    private static long pow(int base, int exp) {
        long r = 1;
        for (int i = 0; i < exp; i++) {
            r *= base;
            if (r > Integer.MAX_VALUE) {
                return r;
            }
        }
        return r;
    }

    private static IllegalArgumentException bad(String name, String problem) {
        return new IllegalArgumentException("topology '" + name + "': " + problem);
    }
}
