package dev.moaflink.job.collect;

import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.schema.NodeStatus;

/**
 * Real time: each finished child may stop its unfinished siblings ({@link SiblingStops}), its output streams into its
 * parents' open sessions ({@link OverlapStream}, with overlap on), and a parent runs as soon as all of its own
 * children have finished (a tree parent waits only for its cluster; a dense-layer node for the whole layer). A child
 * stopped by early exit is not an input of its parent unless part of it already reached its slot; a parent left with
 * one usable input passes it on.
 */
public final class WallClockJoin implements LevelJoin {

    private final AggregatorCalls calls;
    private final CallSender sender;
    private final SiblingStops stops;
    /** Null when overlap is off. */
    private final OverlapStream overlap;

    public WallClockJoin(AggregatorCalls calls, CallSender sender, SiblingStops stops, OverlapStream overlap) {
        this.calls = calls;
        this.sender = sender;
        this.stops = stops;
        this.overlap = overlap;
    }

    @Override
    public void partial(Topology topology, TopologyNode child, AgentChunk chunk, LevelState p) {
        for (TopologyNode parent : topology.parentsOf(child)) {
            if (!p.isEmitted(parent)) {
                overlap.stream(topology, parent, p);
            }
        }
    }

    @Override
    public void finished(Topology topology, TopologyNode child, NodeResult result, LevelState p) {
        int c = child.index();
        p.finished[c] = p.isStopRequested(c) && result.trace().status() == NodeStatus.CANCELLED
                ? withError(result, p.isSettledStop(c) ? SiblingStops.BY_SETTLED_VOTE : SiblingStops.BY_EARLY_EXIT)
                : result;
        if (stops.active()) {
            stops.afterFinished(topology, topology.parentsOf(child)[0], p);
        }
        for (TopologyNode parent : topology.parentsOf(child)) {
            if (p.isEmitted(parent)) {
                continue;
            }
            if (overlap != null) {
                overlap.stream(topology, parent, p);
            }
            if (allFinished(topology, parent, p)) {
                sender.run(parent, p, calls.build(topology, parent, p, OverlapStream.written(parent, p)));
            }
        }
    }

    private static boolean allFinished(Topology topology, TopologyNode parent, LevelState p) {
        for (TopologyNode child : topology.childrenOf(parent)) {
            if (p.finished[child.index()] == null) {
                return false;
            }
        }
        return true;
    }

    /** {@code r} with its trace's error set (why it was stopped), its outcome unchanged. */
    static NodeResult withError(NodeResult r, String error) {
        NodeTrace t = r.trace();
        NodeTrace marked = t.withOutcome(t.status(), t.decodeMs(), t.endOffsetMs(), t.outputTokens(),
                t.extractedAnswer(), error);
        return new NodeResult(r.query(), r.text(), marked, r.criticalPathMs(), r.upstream());
    }
}
