package dev.moaflink.job.simulation;

import dev.moaflink.job.collect.LevelState;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.schema.NodeStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Virtual time: a node's result as if it had been cancelled at a moment of the engine clock, its decode spread evenly
 * over its decode time: CANCELLED, with the output it had produced by then.
 */
final class VirtualCuts {

    static final String CANCELLED_WITH_PARENT = "cancelled with the node that read it";

    private VirtualCuts() {}

    /**
     * Child {@code k} of {@code level} as if cancelled at {@code at}, with the traces of the nodes below it that only
     * it reads cut at the same moment; unchanged when it had ended by then.
     */
    static NodeResult truncated(Topology topology, int level, LevelState p, int k, double at, String why) {
        NodeResult r = p.finished[k];
        NodeTrace t = r.trace();
        if (at >= t.endOffsetMs()) {
            return r;
        }
        int tokens = tokensBy(t, at);
        String text = "";
        int[] m = p.marks(k);
        if (m != null && p.partial(k) != null) {
            for (int i = 0; i + 1 < m.length && m[i + 1] <= tokens; i += 2) {
                text = p.partial(k).substring(0, m[i]);
            }
        }
        NodeTrace[] upstream = r.upstream();
        List<TopologyNode> below = topology.exclusiveSubtree(topology.level(level).get(k));
        if (below.size() > 1 && upstream.length > 0) {
            Set<String> ids = new HashSet<>();
            below.forEach(n -> ids.add(n.id()));
            upstream = upstream.clone();
            for (int i = 0; i < upstream.length; i++) {
                if (ids.contains(upstream[i].nodeId()) && upstream[i].endOffsetMs() > at) {
                    upstream[i] = cut(upstream[i], at, CANCELLED_WITH_PARENT);
                }
            }
        }
        NodeTrace stopped = cut(t, at, why);
        return new NodeResult(r.query(), text, stopped,
                Math.max(0, r.criticalPathMs() - (t.endOffsetMs() - stopped.endOffsetMs())), upstream);
    }

    /** Output tokens a node had decoded by {@code at}. */
    private static int tokensBy(NodeTrace t, double at) {
        return t.decodeMs() <= 0 ? 0 : (int) Math.floor(t.outputTokens() * decodedBy(t, at) / t.decodeMs());
    }

    /** Decode time a node had spent by {@code at}. */
    private static double decodedBy(NodeTrace t, double at) {
        double decodeStart = t.endOffsetMs() - t.decodeMs();
        return Math.max(0, Math.min(t.decodeMs(), Math.max(at, t.startOffsetMs()) - decodeStart));
    }

    /** A trace cut at {@code at}: CANCELLED, with the decode it had done by then. */
    private static NodeTrace cut(NodeTrace t, double at, String why) {
        if (t.startOffsetMs() >= at) {
            return t.stoppedBeforeStart(at, why);
        }
        return t.withOutcome(NodeStatus.CANCELLED, decodedBy(t, at), at, tokensBy(t, at), null, why);
    }
}
