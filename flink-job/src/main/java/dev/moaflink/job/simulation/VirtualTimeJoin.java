package dev.moaflink.job.simulation;

import dev.moaflink.job.collect.AggregatorCalls;
import dev.moaflink.job.collect.CallSender;
import dev.moaflink.job.collect.EarlyExit;
import dev.moaflink.job.collect.LevelJoin;
import dev.moaflink.job.collect.LevelState;
import dev.moaflink.job.collect.SiblingStops;
import dev.moaflink.job.collect.Vote;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Virtual time: children finish on a simulated engine's clock, not in the order their results arrive, so a level is
 * composed once all of it is in. Each sibling group is replayed in the order its children finished on that clock: after
 * each, a settled bypass or the early-exit score may say stop, and the children still running are cut at that moment
 * ({@link VirtualCuts}). The parents' runs then carry their overlap schedule ({@link VirtualOverlap}) and are sent in
 * the order they start on the modelled clock (ties by node), so that engines which book a query's sessions on a shared
 * virtual GPU see them in that order.
 */
public final class VirtualTimeJoin implements LevelJoin {

    private final int level;
    private final AggregatorCalls calls;
    private final CallSender sender;
    /** Null when early exit is off. */
    private final EarlyExit earlyExit;
    /** The bypass threshold when {@code bypass_early} settles votes early; 0: never. */
    private final double settleThreshold;
    private final boolean overlap;

    public VirtualTimeJoin(int level, AggregatorCalls calls, CallSender sender, EarlyExit earlyExit,
                           double settleThreshold, boolean overlap) {
        this.level = level;
        this.calls = calls;
        this.sender = sender;
        this.earlyExit = earlyExit;
        this.settleThreshold = settleThreshold;
        this.overlap = overlap;
    }

    /** A chunk's time is derived from its tokens: kept for the overlap schedule and for cuts. */
    @Override
    public void partial(Topology topology, TopologyNode child, AgentChunk chunk, LevelState p) {
        p.addMark(child.index(), chunk.tokens());
    }

    @Override
    public void finished(Topology topology, TopologyNode child, NodeResult result, LevelState p) {
        p.finished[child.index()] = result;
        if (p.levelFinished()) {
            sendLevel(topology, p);
        }
    }

    private void sendLevel(Topology topology, LevelState p) {
        record Planned(TopologyNode parent, AgentCall.Run call) {}
        List<Planned> planned = new ArrayList<>();
        for (TopologyNode parent : topology.level(level + 1)) {
            if (!p.isEmitted(parent)) {
                if (earlyExit != null || settleThreshold > 0) {
                    replayStops(topology, parent, p);
                }
                planned.add(new Planned(parent, calls.build(topology, parent, p,
                        overlap ? VirtualOverlap.schedule(topology, parent, p) : null)));
            }
        }
        planned.sort(Comparator.comparingDouble((Planned x) -> x.call().startOffsetMs())
                .thenComparingInt(x -> x.parent().index()));
        for (Planned x : planned) {
            sender.run(x.parent(), p, x.call());
        }
    }

    /**
     * Replays the group's children in the order they finished; after each, a settled bypass or the early-exit score
     * may say stop, and then the children still running are cut at that moment (plus the measured time the scoring
     * took).
     */
    private void replayStops(Topology topology, TopologyNode parent, LevelState p) {
        TopologyNode[] kids = topology.childrenOf(parent);
        long groupBit = 1L << kids[0].index();
        if ((p.decided & groupBit) != 0) {
            return; // a dense layer: every parent shares the group, decided once
        }
        p.decided |= groupBit;
        Integer[] order = new Integer[kids.length];
        for (int i = 0; i < kids.length; i++) {
            order[i] = kids[i].index();
        }
        Arrays.sort(order, (a, b) -> Double.compare(p.finished[a].trace().endOffsetMs(),
                p.finished[b].trace().endOffsetMs()));
        List<NodeResult> done = new ArrayList<>();
        for (int n = 0; n < order.length - 1; n++) {
            NodeResult r = p.finished[order[n]];
            if (r.trace().hasOutput()) {
                done.add(r);
            }
            double at = r.trace().endOffsetMs();
            boolean settled = settleThreshold > 0 && Vote.of(done, kids.length).reaches(settleThreshold);
            boolean stop = settled;
            if (!stop && earlyExit != null) {
                long t0 = System.nanoTime();
                stop = earlyExit.stops(done, p.query, level, kids[0].index(), n + 1);
                at += (System.nanoTime() - t0) / 1e6;
            }
            if (stop) {
                for (int m = n + 1; m < order.length; m++) {
                    int k = order[m];
                    p.finished[k] = VirtualCuts.truncated(topology, level, p, k, at,
                            settled ? SiblingStops.BY_SETTLED_VOTE : SiblingStops.BY_EARLY_EXIT);
                    p.requestStop(k, false);
                }
                return;
            }
        }
    }
}
