package dev.moaflink.job.collect;

import dev.moaflink.job.backchannel.AgentAddress;
import dev.moaflink.job.backchannel.Backchannel;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real time: after a child finishes, decides whether its unfinished siblings still matter, and stops them through the
 * job's {@link Backchannel} when they do not: early exit (the finished siblings' score says stop), or, with
 * {@code bypass_early}, a settled bypass (the agreeing finished siblings already reach the threshold, so the parent is
 * bypassed with their answer whatever the others say). A stopped sibling's CANCELLED result still comes to the
 * collector and is waited for.
 */
public final class SiblingStops {

    /** Why a stopped node ended, in its trace. */
    public static final String BY_EARLY_EXIT = "cancelled by early exit";
    public static final String BY_SETTLED_VOTE = "cancelled: the others' vote settled the bypass";

    private static final Logger LOG = LoggerFactory.getLogger(SiblingStops.class);

    private final int level;
    /** Null when early exit is off. */
    private final EarlyExit earlyExit;
    /** The bypass threshold when {@code bypass_early} settles votes early; 0: never. */
    private final double settleThreshold;
    private final Backchannel backchannel;
    /** Where each node may run (every replica of its model). */
    private final Function<TopologyNode, List<AgentAddress>> agentsOf;
    /** The agent operators this collector may stop nodes on: checked for reach at the first stop. */
    private final List<AgentAddress> targets;
    private int unreached = -1;

    public SiblingStops(int level, EarlyExit earlyExit, double settleThreshold, Backchannel backchannel,
                        Function<TopologyNode, List<AgentAddress>> agentsOf, List<AgentAddress> targets) {
        this.level = level;
        this.earlyExit = earlyExit;
        this.settleThreshold = settleThreshold;
        this.backchannel = backchannel;
        this.agentsOf = agentsOf;
        this.targets = targets;
    }

    /** Agent operators a stop from here cannot reach (-1 until the first stop is sent). */
    public int unreached() {
        return unreached;
    }

    /** Whether any child can be stopped: some mechanism is on. */
    public boolean active() {
        return earlyExit != null || settleThreshold > 0;
    }

    /** A child of {@code parent}'s group finished: stops the group's others if they can no longer matter. */
    public void afterFinished(Topology topology, TopologyNode parent, LevelState p) {
        if (earlyExit != null) {
            earlyExit(topology, parent, p);
        }
        if (settleThreshold > 0) {
            settleBypass(topology, parent, p);
        }
    }

    private void earlyExit(Topology topology, TopologyNode parent, LevelState p) {
        TopologyNode[] kids = topology.childrenOf(parent);
        int finished = 0;
        boolean anyRunning = false;
        for (TopologyNode kid : kids) {
            if (p.finished[kid.index()] != null) {
                finished++;
            } else if (!p.isStopRequested(kid.index())) {
                anyRunning = true;
            }
        }
        if (!anyRunning) {
            return;
        }
        List<NodeResult> done = new ArrayList<>();
        for (TopologyNode kid : kids) {
            NodeResult r = p.finished[kid.index()];
            if (r != null && r.trace().hasOutput()) {
                done.add(r);
            }
        }
        if (earlyExit.stops(done, p.query, level, kids[0].index(), finished)) {
            stopUnfinished(topology, kids, p, false);
        }
    }

    private void settleBypass(Topology topology, TopologyNode parent, LevelState p) {
        TopologyNode[] kids = topology.childrenOf(parent);
        boolean anyRunning = false;
        for (TopologyNode kid : kids) {
            anyRunning |= p.finished[kid.index()] == null && !p.isStopRequested(kid.index());
        }
        if (anyRunning && Vote.of(kids, p).reaches(settleThreshold)) {
            stopUnfinished(topology, kids, p, true);
        }
    }

    /**
     * Stops the unfinished children of a group, each with the part of the graph below it that only it reads (an
     * aggregator's own inputs, which may still be decoding): running sessions are cancelled, the others tombstoned
     * so that their calls end CANCELLED as they arrive.
     */
    private void stopUnfinished(Topology topology, TopologyNode[] kids, LevelState p, boolean settledVote) {
        if (unreached < 0) {
            checkReach();
        }
        QueryTask query = p.query;
        for (TopologyNode kid : kids) {
            int k = kid.index();
            if (p.finished[k] == null && !p.isStopRequested(k)) {
                p.requestStop(k, settledVote);
                for (TopologyNode n : topology.exclusiveSubtree(kid)) {
                    backchannel.stop(query.id(), n.id(), agentsOf.apply(n));
                }
            }
        }
    }

    /** Says once, at the first stop, which agent operators a stop cannot reach: their stopped nodes run to their end. */
    private void checkReach() {
        List<AgentAddress> missing = new ArrayList<>();
        for (AgentAddress a : targets) {
            if (!backchannel.reaches(a)) {
                missing.add(a);
            }
        }
        unreached = missing.size();
        if (!missing.isEmpty()) {
            LOG.warn("Level-{} collector: stops cannot reach agent operators {} from this process; nodes stopped"
                    + " there run to their end and are used as inputs", level, missing);
        }
    }
}
