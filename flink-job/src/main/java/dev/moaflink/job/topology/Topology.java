package dev.moaflink.job.topology;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A compiled topology: levels of agent nodes, leaves first, ending in exactly one root. */
public final class Topology implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Nodes of one level are tracked in a 64-bit mask by the level collector. */
    public static final int MAX_NODES_PER_LEVEL = 64;

    private final String name;
    private final TopologySpec.Kind kind;
    private final List<List<TopologyNode>> levels;
    private final Map<String, TopologyNode> byId;
    // [level - 1][index]: a node's parents and children as nodes, so per-record code does no id lookups.
    private final TopologyNode[][][] parentNodes;
    private final TopologyNode[][][] childNodes;

    Topology(String name, TopologySpec.Kind kind, List<List<TopologyNode>> levels) {
        this.name = name;
        this.kind = kind;
        List<List<TopologyNode>> copy = new ArrayList<>();
        Map<String, TopologyNode> index = new HashMap<>();
        for (List<TopologyNode> level : levels) {
            copy.add(List.copyOf(level));
            level.forEach(n -> index.put(n.id(), n));
        }
        this.levels = Collections.unmodifiableList(copy);
        this.byId = Collections.unmodifiableMap(index);
        this.parentNodes = new TopologyNode[copy.size()][][];
        this.childNodes = new TopologyNode[copy.size()][][];
        for (int l = 0; l < copy.size(); l++) {
            List<TopologyNode> level = copy.get(l);
            parentNodes[l] = new TopologyNode[level.size()][];
            childNodes[l] = new TopologyNode[level.size()][];
            for (int i = 0; i < level.size(); i++) {
                TopologyNode n = level.get(i);
                if (n.index() != i || n.level() != l + 1) {
                    throw new IllegalArgumentException("node " + n.id() + " is out of place: level " + (l + 1)
                            + ", position " + i);
                }
                parentNodes[l][i] = resolve(index, n.parents());
                childNodes[l][i] = resolve(index, n.children());
            }
        }
    }

    private TopologyNode[] resolve(Map<String, TopologyNode> index, List<String> ids) {
        TopologyNode[] nodes = new TopologyNode[ids.size()];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = index.get(ids.get(i));
            if (nodes[i] == null) {
                throw new IllegalArgumentException("topology '" + name + "' has no node '" + ids.get(i) + "'");
            }
        }
        return nodes;
    }

    /** The nodes of {@code node}'s parents, in the order of {@link TopologyNode#parents()}. Do not modify. */
    public TopologyNode[] parentsOf(TopologyNode node) {
        return parentNodes[node.level() - 1][node.index()];
    }

    /** The nodes of {@code node}'s children, in slot order ({@link TopologyNode#children()}). Do not modify. */
    public TopologyNode[] childrenOf(TopologyNode node) {
        return childNodes[node.level() - 1][node.index()];
    }

    public String name() {
        return name;
    }

    public TopologySpec.Kind kind() {
        return kind;
    }

    /** Number of levels, the root's level. */
    public int depth() {
        return levels.size();
    }

    /** Nodes of {@code level} (1-based), in index order. */
    public List<TopologyNode> level(int level) {
        return levels.get(level - 1);
    }

    public TopologyNode node(String id) {
        TopologyNode n = byId.get(id);
        if (n == null) {
            throw new IllegalArgumentException("topology '" + name + "' has no node '" + id + "'");
        }
        return n;
    }

    public TopologyNode root() {
        return levels.get(levels.size() - 1).get(0);
    }

    public int size() {
        return byId.size();
    }

    public List<TopologyNode> leaves() {
        return level(1);
    }

    /**
     * {@code top} and every node below it all of whose parents are in the set: the part of the graph only {@code top}
     * reads, which stops with it.
     */
    public List<TopologyNode> exclusiveSubtree(TopologyNode top) {
        List<TopologyNode> out = new ArrayList<>();
        out.add(top);
        Set<String> in = new HashSet<>();
        in.add(top.id());
        for (int l = top.level() - 1; l >= 1; l--) {
            for (TopologyNode n : level(l)) {
                boolean only = n.parents().size() > 0;
                for (String parentId : n.parents()) {
                    only &= in.contains(parentId);
                }
                if (only) {
                    in.add(n.id());
                    out.add(n);
                }
            }
        }
        return out;
    }

    /** Distinct models used on {@code level}, in first-use order. */
    public Set<String> modelsAt(int level) {
        Set<String> models = new LinkedHashSet<>();
        level(level).forEach(n -> models.add(n.model()));
        return models;
    }

    @Override
    public String toString() {
        StringBuilder shape = new StringBuilder();
        for (List<TopologyNode> level : levels) {
            shape.append(shape.length() == 0 ? "" : kind == TopologySpec.Kind.DENSE ? "→" : "-").append(level.size());
        }
        return name + " (" + kind.name().toLowerCase() + " " + shape + ")";
    }
}
