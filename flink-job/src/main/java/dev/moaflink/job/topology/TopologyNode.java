package dev.moaflink.job.topology;

import java.io.Serializable;
import java.util.List;

/**
 * One agent node of a compiled topology.
 *
 * @param id       {@code L<level>.<index>}, e.g. {@code L1.4}; unique within the topology
 * @param level    1 for leaves (proposers), increasing towards the root
 * @param children ids of the nodes whose outputs this node reads, in slot order
 * @param parents  ids of the nodes that read this node's output (empty for the root)
 */
public record TopologyNode(String id, int level, int index, String model, List<String> children,
                           List<String> parents) implements Serializable {

    private static final long serialVersionUID = 1L;

    public TopologyNode {
        children = List.copyOf(children);
        parents = List.copyOf(parents);
    }

    public boolean isLeaf() {
        return children.isEmpty();
    }

    public boolean isRoot() {
        return parents.isEmpty();
    }

    public static String idOf(int level, int index) {
        return "L" + level + "." + index;
    }
}
