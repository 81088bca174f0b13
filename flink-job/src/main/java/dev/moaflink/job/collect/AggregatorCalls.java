package dev.moaflink.job.collect;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds the run of a parent whose inputs have all finished: the aggregate-and-synthesize prompt over its inputs'
 * outputs, or, when they agree enough, the consensus that bypasses it. Upstream traces ride along: each child's trace
 * travels with its first parent's call, so that the root's result carries the whole tree's trace exactly once.
 */
public final class AggregatorCalls {

    private static final String[] NO_PARTS = new String[0];

    private final double bypassThreshold;
    /** Early exit is on: a parent left with one usable input passes it on instead of restating it. */
    private final boolean earlyExit;
    // The prompt prefix of the last query seen: the same for all of a query's aggregators.
    private QueryTask prefixQuery;
    private String prefix;

    /**
     * @param bypassThreshold skip an aggregator whose inputs agree at least this much (largest group of equal
     *                        extracted answers / number of inputs; MOSAIC's T); 0 = never
     */
    public AggregatorCalls(double bypassThreshold, boolean earlyExit) {
        this.bypassThreshold = bypassThreshold;
        this.earlyExit = earlyExit;
    }

    /** The aggregate-and-synthesize prompt's prefix for {@code query}: instruction and the query. */
    public String prefix(QueryTask query) {
        if (query != prefixQuery) {
            prefix = Prompts.aggregatorPrefix(query);
            prefixQuery = query;
        }
        return prefix;
    }

    /**
     * @param slots the prompt overlap wrote (inputs are then the children with a slot); null: the inputs are the
     *              children with a non-blank output, each numbered into the prompt now
     */
    public AgentCall.Run build(Topology topology, TopologyNode parent, LevelState p, SlottedPrompt slots) {
        TopologyNode[] kids = topology.childrenOf(parent);
        double share = 0;
        AgentCall.Consensus consensus = null;
        if (bypassThreshold > 0) {
            Vote vote = Vote.of(kids, p);
            share = vote.share();
            if (vote.reaches(bypassThreshold)) {
                consensus = new AgentCall.Consensus(vote.answer(), vote.text(), vote.confidence());
            }
        }
        List<String> inputs = new ArrayList<>();
        List<NodeTrace> upstream = new ArrayList<>();
        double ready = 0;
        double critical = 0;
        NodeResult single = null;
        for (TopologyNode childNode : kids) {
            NodeResult child = p.finished[childNode.index()];
            ready = Math.max(ready, child.trace().endOffsetMs());
            critical = Math.max(critical, child.criticalPathMs());
            boolean input = slots != null ? slots.hasSlot(childNode.index()) : usable(child);
            if (input) {
                inputs.add(childNode.id());
                single = child;
            }
            if (topology.parentsOf(childNode)[0].id().equals(parent.id())) {
                upstream.add(child.trace());
                Collections.addAll(upstream, child.upstream());
            }
        }
        if (consensus == null && earlyExit && inputs.size() == 1 && single.trace().hasOutput()) {
            // Early exit left one input: the aggregator could only restate it.
            consensus = new AgentCall.Consensus(single.trace().extractedAnswer(), single.text(),
                    single.trace().confidence());
            share = 1;
        }
        String[] prompt = NO_PARTS;
        AgentCall.Schedule schedule = null;
        if (consensus == null) {
            prompt = slots != null ? slots.parts().toArray(String[]::new) : numbered(kids, p);
            if (slots != null && slots.partReadyMs() != null) {
                schedule = new AgentCall.Schedule(Math.min(slots.openMs(), ready), slots.partReadyMs());
            }
        }
        return new AgentCall.Run(p.query, parent.id(), parent.level(), parent.model(), prefix(p.query), prompt, ready,
                critical, inputs.isEmpty(), inputs.toArray(String[]::new), upstream.toArray(NodeTrace[]::new), share,
                consensus, schedule);
    }

    private static boolean usable(NodeResult child) {
        return child.trace().hasOutput() && !child.text().isBlank();
    }

    /** Each usable child's output in its numbered response slot. */
    private static String[] numbered(TopologyNode[] kids, LevelState p) {
        List<String> parts = new ArrayList<>();
        int n = 0;
        for (TopologyNode childNode : kids) {
            NodeResult child = p.finished[childNode.index()];
            if (usable(child)) {
                parts.add(Prompts.responseSlot(++n, child.text()));
            }
        }
        return parts.toArray(String[]::new);
    }
}
