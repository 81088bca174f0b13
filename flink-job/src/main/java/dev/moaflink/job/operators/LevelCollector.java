package dev.moaflink.job.operators;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.routing.ReplicaChooser;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.schema.NodeStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins the finished agents of one topology level, per query (keyed by query id). As soon as every child of
 * a next-level node has finished, it emits that node's {@link AgentCall} with the aggregate-and-synthesize
 * prompt (a tree parent waits only for its own cluster; a dense-layer node waits for the whole layer). When
 * the finished node is a root, it emits the query's {@link AnswerRecord} instead. A query's state is cleared
 * as soon as every next-level node of it has been emitted.
 *
 * <p>Upstream traces ride along: each child's trace travels with its first parent's call, so the root's
 * result carries the whole tree's trace exactly once.
 */
public final class LevelCollector extends KeyedProcessFunction<String, AgentChunk, AnswerRecord> {

    private static final long serialVersionUID = 1L;
    /** Shares are compared at two decimals, so that a threshold of 0.67 means two thirds. */
    private static final double SHARE_TOLERANCE = 0.005;
    private static final String[] NO_PARTS = new String[0];

    private final int level;
    private final TopologySet topologies;
    private final AgentRoutes routes;
    private final double bypassThreshold;

    private transient ReplicaChooser chooser;
    private transient ValueState<Pending> pending;
    // The closing prompt part of the last query seen: the same for all of a query's aggregators.
    private transient QueryTask suffixQuery;
    private transient String suffix;

    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes) {
        this(level, topologies, routes, 0);
    }

    /**
     * @param bypassThreshold skip a next-level aggregator whose inputs agree at least this much (largest group of
     *                        equal extracted answers / number of inputs; MOSAIC's T); 0 = never
     */
    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes, double bypassThreshold) {
        this.level = level;
        this.topologies = topologies;
        this.routes = routes;
        this.bypassThreshold = bypassThreshold;
    }

    @Override
    public void open(OpenContext openContext) {
        if (routes.replicas().anyReplicated()) {
            chooser = new ReplicaChooser(routes.replicas(), RouteQueries.ledgerKey(getRuntimeContext()));
        }
        pending = getRuntimeContext().getState(new ValueStateDescriptor<>("pending", TypeInformation.of(Pending.class)));
    }

    @Override
    public void processElement(AgentChunk chunk, Context ctx, Collector<AnswerRecord> out) throws Exception {
        if (!chunk.isLast()) {
            return; // partial output: the overlap path (incremental prefill) consumes it
        }
        NodeResult result = chunk.result();
        if (chooser != null) {
            chooser.finished(result.trace().model(), result.trace().replica());
        }
        Topology topology = topologies.get(result.query().topology());
        TopologyNode node = topology.node(chunk.nodeId());
        if (node.level() != level) {
            throw new IllegalStateException("node " + node.id() + " reached the level-" + level + " collector");
        }
        if (node.isRoot()) {
            out.collect(answer(topology, result));
            return;
        }
        Pending p = pending.value();
        if (p == null) {
            p = new Pending(topology.level(level).size());
        }
        p.finished[node.index()] = result;
        for (TopologyNode parent : topology.parentsOf(node)) {
            long bit = 1L << parent.index();
            if ((p.emitted & bit) == 0 && allFinished(topology, parent, p)) {
                int replica = chooser == null ? 0 : chooser.choose(parent.model());
                ctx.output(routes.tag(parent.level(), parent.model(), replica), callFor(topology, parent, p));
                p.emitted |= bit;
            }
        }
        if (Long.bitCount(p.emitted) == topology.level(level + 1).size()) {
            pending.clear();
        } else {
            pending.update(p);
        }
    }

    private static boolean allFinished(Topology topology, TopologyNode parent, Pending p) {
        for (TopologyNode child : topology.childrenOf(parent)) {
            if (p.finished[child.index()] == null) {
                return false;
            }
        }
        return true;
    }

    private AgentCall callFor(Topology topology, TopologyNode parent, Pending p) {
        double share = 0;
        AgentCall.Consensus consensus = null;
        if (bypassThreshold > 0) {
            Vote vote = vote(topology.childrenOf(parent), p);
            share = vote.share;
            if (vote.answer != null && share >= bypassThreshold - SHARE_TOLERANCE) {
                consensus = new AgentCall.Consensus(vote.answer, vote.text, vote.confidence);
            }
        }
        // A bypassed aggregator is not prompted: no response slots are built for it.
        List<String> parts = consensus == null ? new ArrayList<>() : null;
        List<String> inputs = new ArrayList<>();
        List<NodeTrace> upstream = new ArrayList<>();
        double ready = 0;
        double critical = 0;
        QueryTask query = null;
        for (TopologyNode childNode : topology.childrenOf(parent)) {
            String childId = childNode.id();
            NodeResult child = p.finished[childNode.index()];
            query = child.query();
            ready = Math.max(ready, child.trace().endOffsetMs());
            critical = Math.max(critical, child.criticalPathMs());
            if (child.trace().hasOutput() && !child.text().isBlank()) {
                inputs.add(childId);
                if (parts != null) {
                    parts.add(Prompts.responseSlot(inputs.size(), child.text()));
                }
            }
            if (topology.parentsOf(childNode)[0].id().equals(parent.id())) {
                upstream.add(child.trace());
                Collections.addAll(upstream, child.upstream());
            }
        }
        String[] prompt = NO_PARTS;
        if (parts != null) {
            parts.add(suffix(query));
            prompt = parts.toArray(String[]::new);
        }
        return new AgentCall(query, parent.id(), parent.level(), parent.model(), Prompts.aggregatorPrefix(), prompt,
                ready, critical, inputs.isEmpty(), inputs.toArray(String[]::new), upstream.toArray(NodeTrace[]::new),
                share, consensus);
    }

    /** The largest group of children giving the same extracted answer (first seen wins a tie). */
    private record Vote(String answer, double share, String text, double confidence) {}

    private static Vote vote(TopologyNode[] children, Pending p) {
        String[] answers = new String[children.length];
        int best = 0;
        String bestAnswer = null;
        for (int i = 0; i < children.length; i++) {
            NodeTrace t = p.finished[children[i].index()].trace();
            answers[i] = t.hasOutput() ? t.extractedAnswer() : null;
            if (answers[i] == null) {
                continue;
            }
            int n = 0;
            for (int j = 0; j <= i; j++) {
                n += answers[i].equals(answers[j]) ? 1 : 0;
            }
            if (n > best) {
                best = n;
                bestAnswer = answers[i];
            }
        }
        if (bestAnswer == null) {
            return new Vote(null, 0, null, 0);
        }
        // The agreed output: the text of the most confident child giving the answer; confidence: their mean.
        String text = null;
        double top = -1;
        double sum = 0;
        for (int i = 0; i < children.length; i++) {
            if (bestAnswer.equals(answers[i])) {
                NodeResult r = p.finished[children[i].index()];
                sum += r.trace().confidence();
                if (r.trace().confidence() > top) {
                    top = r.trace().confidence();
                    text = r.text();
                }
            }
        }
        return new Vote(bestAnswer, (double) best / children.length, text, sum / best);
    }

    private String suffix(QueryTask query) {
        if (query != suffixQuery) {
            suffix = Prompts.aggregatorSuffix(query);
            suffixQuery = query;
        }
        return suffix;
    }

    private static AnswerRecord answer(Topology topology, NodeResult root) {
        QueryTask q = root.query();
        NodeTrace[] trace = sortedByLevelAndIndex(topology, root.upstream(), root.trace());
        boolean degraded = false;
        boolean simulated = false;
        for (NodeTrace t : trace) {
            degraded |= t.status() == NodeStatus.FAILED;
            simulated |= t.simulated();
        }
        degraded |= !root.trace().hasOutput();
        long now = System.currentTimeMillis();
        String extracted = root.trace().extractedAnswer();
        double latency = root.trace().virtualTime() ? root.trace().endOffsetMs() : now - q.submittedAtMs();
        return new AnswerRecord(q.id(), root.text(), extracted, root.trace().confidence(), root.trace().bypassed(), degraded,
                AnswerExtractor.score(extracted, q.gold(), q.taskType(), q.choices()), topology.name(), q.taskType(),
                q.submittedAtMs(), now, latency, root.criticalPathMs(), simulated, trace);
    }

    /**
     * One query's progress at this level, in a single state value (one read and one write per finished node):
     * the finished nodes by index within the level, and a bit per next-level node already emitted.
     */
    public static final class Pending {
        public NodeResult[] finished;
        public long emitted;

        public Pending() {}

        Pending(int levelSize) {
            this.finished = new NodeResult[levelSize];
        }
    }

    /**
     * {@code upstream} and then {@code last}, stably sorted by level, then index within the level: each node's
     * index is looked up once (an insertion sort; a trace has a few dozen nodes at most).
     */
    static NodeTrace[] sortedByLevelAndIndex(Topology topology, NodeTrace[] upstream, NodeTrace last) {
        int n = upstream.length + 1;
        NodeTrace[] trace = Arrays.copyOf(upstream, n);
        trace[n - 1] = last;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) trace[i].level() << 32) | (topology.node(trace[i].nodeId()).index() & 0xFFFFFFFFL);
        }
        for (int i = 1; i < n; i++) {
            long k = keys[i];
            NodeTrace t = trace[i];
            int j = i - 1;
            while (j >= 0 && keys[j] > k) {
                keys[j + 1] = keys[j];
                trace[j + 1] = trace[j];
                j--;
            }
            keys[j + 1] = k;
            trace[j + 1] = t;
        }
        return trace;
    }
}
