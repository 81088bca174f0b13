package dev.moaflink.job.topology;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every topology a job serves, compiled into one graph: a query names one (or gets the default), and the
 * operators of each level look its nodes up here.
 */
public final class TopologySet implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, Topology> byName;
    private final String defaultName;

    public TopologySet(Map<String, Topology> topologies, String defaultName) {
        if (!topologies.containsKey(defaultName)) {
            throw new IllegalArgumentException("default topology '" + defaultName + "' is not defined; defined: "
                    + topologies.keySet());
        }
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(topologies));
        this.defaultName = defaultName;
    }

    public Topology get(String name) {
        Topology t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown topology '" + name + "'; defined: " + byName.keySet());
        }
        return t;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public Topology defaultTopology() {
        return byName.get(defaultName);
    }

    public Map<String, Topology> all() {
        return byName;
    }

    /** Deepest level over all topologies: the graph has this many agent stages. */
    public int maxDepth() {
        return byName.values().stream().mapToInt(Topology::depth).max().orElse(0);
    }
}
