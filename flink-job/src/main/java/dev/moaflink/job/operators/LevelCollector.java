package dev.moaflink.job.operators;

import dev.moaflink.engine.Embedders;
import dev.moaflink.engine.TextEmbedder;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.metrics.AnswerMetrics;
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
 *
 * <p>The mechanisms ({@link JobConfig.Mechanisms}):
 * <ul>
 *   <li><b>Prefill/decode overlap</b>: on real-time engines, the first streamed chunk of any child (the empty one
 *       its agent operator emits when the child starts or is itself opened ahead, see
 *       {@link AgentSpec#announceStart()}, so that a query's whole chain of ancestors opens at its start) opens the
 *       parent's session (OPEN call: prefix prefilled at once) and each child's chunks are appended to it as they
 *       arrive (APPEND calls), slot by slot in child order, later children's chunks buffered here until the slots
 *       before theirs are closed. On virtual-time engines the same schedule is composed when the group is complete:
 *       the RUN call carries each piece with the time it became available, and the engine prefills accordingly.</li>
 *   <li><b>Early termination</b>: each time a child finishes, {@link MetricQ} scores the finished siblings; when
 *       it says stop, the unfinished ones are cancelled through {@link RunningAgents} (real time; their CANCELLED
 *       results still arrive and are waited for) or truncated at that moment (virtual time, where children are
 *       replayed in the order they finish on the engine clock). A cancelled child is not an input of its parent
 *       unless part of it was already prefilled into its slot. A parent left with one usable input is not run: it
 *       passes that input on (it could no longer change the answer).</li>
 *   <li><b>Aggregator bypass</b>: a parent whose inputs agree enough is not run (see the bypass threshold).</li>
 * </ul>
 */
public final class LevelCollector extends KeyedProcessFunction<String, AgentChunk, AnswerRecord> {

    private static final long serialVersionUID = 1L;
    /** Shares are compared at two decimals, so that a threshold of 0.67 means two thirds. */
    private static final double SHARE_TOLERANCE = 0.005;
    private static final String[] NO_PARTS = new String[0];
    private static final String CANCELLED_BY_EARLY_EXIT = "cancelled by early exit";
    private static final String CANCELLED_WITH_PARENT = "cancelled with the node that read it";
    private static final String CANCELLED_BY_SETTLED_VOTE = "cancelled: the others' vote settled the bypass";

    private final int level;
    private final TopologySet topologies;
    private final AgentRoutes routes;
    private final JobConfig.Mechanisms mechanisms;
    private final double bypassThreshold;
    private final boolean overlap;
    /** Cancel the inputs still running once the agreeing ones reach the bypass threshold. */
    private final boolean bypassEarly;

    private transient ReplicaChooser chooser;
    private transient ValueState<Pending> pending;
    private transient MetricQ metric;
    private transient AnswerMetrics answerMetrics;
    private transient TextEmbedder embedder;
    // The closing prompt part of the last query seen: the same for all of a query's aggregators.
    private transient QueryTask prefixQuery;
    private transient String prefix;

    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes) {
        this(level, topologies, routes, 0);
    }

    /**
     * @param bypassThreshold skip a next-level aggregator whose inputs agree at least this much (largest group of
     *                        equal extracted answers / number of inputs; MOSAIC's T); 0 = never
     */
    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes, double bypassThreshold) {
        this(level, topologies, routes, new JobConfig.Mechanisms(bypassThreshold));
    }

    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes, JobConfig.Mechanisms mechanisms) {
        this.level = level;
        this.topologies = topologies;
        this.routes = routes;
        this.mechanisms = mechanisms;
        this.bypassThreshold = mechanisms.bypassThreshold();
        this.overlap = mechanisms.overlap();
        this.bypassEarly = mechanisms.bypassEarly() && bypassThreshold > 0;
    }

    @Override
    public void open(OpenContext openContext) {
        if (routes.replicas().anyReplicated()) {
            chooser = new ReplicaChooser(routes.replicas(), RouteQueries.ledgerKey(getRuntimeContext()));
        }
        pending = getRuntimeContext().getState(new ValueStateDescriptor<>("pending", TypeInformation.of(Pending.class)));
        answerMetrics = new AnswerMetrics(getRuntimeContext().getMetricGroup());
        metric = mechanisms.earlyExitOn() ? new MetricQ(mechanisms.earlyExit()) : null;
        if (metric != null && mechanisms.earlyExit().similarity() != JobConfig.Similarity.ANSWER) {
            // Loaded (and its first, slow call made) here, not while a query waits for an early-exit decision.
            embedder().embed("warm-up");
        }
    }

    @Override
    public void processElement(AgentChunk chunk, Context ctx, Collector<AnswerRecord> out) throws Exception {
        if (!chunk.isLast()) {
            if (overlap) {
                partial(chunk, ctx);
            }
            return;
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
            RunningAgents.forget(result.query().id());
            AnswerRecord a = answer(topology, result);
            answerMetrics.record(a);
            out.collect(a);
            return;
        }
        Pending p = pending.value();
        if (p == null) {
            p = new Pending(topology.level(level).size(), topology.level(level + 1).size());
        }
        int c = node.index();
        p.query = result.query();
        if (overlap) {
            p.addText(c, chunk.text());
        }
        if (result.trace().virtualTime()) {
            p.finished[c] = result;
            if (levelFinished(p)) {
                emitLevel(ctx, topology, p);
            }
        } else {
            boolean cancelled = (p.cancelRequested & (1L << c)) != 0;
            p.finished[c] = cancelled && result.trace().status() == NodeStatus.CANCELLED
                    ? withError(result, (p.settledStop & (1L << c)) != 0 ? CANCELLED_BY_SETTLED_VOTE
                            : CANCELLED_BY_EARLY_EXIT) : result;
            if (metric != null) {
                earlyExit(topology, topology.parentsOf(node)[0], p, result.query());
            }
            if (bypassEarly) {
                settleBypass(topology, topology.parentsOf(node)[0], p, result.query());
            }
            for (TopologyNode parent : topology.parentsOf(node)) {
                if (p.isEmitted(parent)) {
                    continue;
                }
                if (overlap) {
                    stream(ctx, topology, parent, p);
                }
                if (allFinished(topology, parent, p)) {
                    emit(ctx, topology, parent, p, null);
                }
            }
        }
        if (Long.bitCount(p.emitted) == topology.level(level + 1).size()) {
            pending.clear();
        } else {
            pending.update(p);
        }
    }

    /** A streamed piece of a child's output: kept, and on real-time engines appended to its parents' sessions. */
    private void partial(AgentChunk chunk, Context ctx) throws Exception {
        Pending p = pending.value();
        QueryTask query = p != null && p.query != null ? p.query : chunk.query();
        if (query == null) {
            return; // not a node's first chunk, and its query's state is gone: nothing to overlap with
        }
        Topology topology = topologies.get(query.topology());
        TopologyNode node = topology.node(chunk.nodeId());
        if (node.isRoot()) {
            return; // nothing downstream of a root
        }
        if (p == null) {
            p = new Pending(topology.level(level).size(), topology.level(level + 1).size());
        }
        p.query = query;
        int c = node.index();
        p.addText(c, chunk.text());
        if (chunk.virtualTime()) {
            p.addMark(c, chunk.tokens());
        } else {
            for (TopologyNode parent : topology.parentsOf(node)) {
                if (!p.isEmitted(parent)) {
                    stream(ctx, topology, parent, p);
                }
            }
        }
        pending.update(p);
    }

    private static boolean levelFinished(Pending p) {
        for (NodeResult r : p.finished) {
            if (r == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Virtual time, once every node of this level has its result: replays each sibling group's stops, then sends
     * the next level's calls in the order they start on the modelled clock (ties by node), so that engines which
     * book a query's sessions on a shared virtual GPU see them in that order whatever order the results came in.
     */
    private void emitLevel(Context ctx, Topology topology, Pending p) {
        List<TopologyNode> parents = new ArrayList<>();
        for (TopologyNode parent : topology.level(level + 1)) {
            if (!p.isEmitted(parent)) {
                if (metric != null || bypassEarly) {
                    replayStops(topology, parent, p);
                }
                parents.add(parent);
            }
        }
        record Planned(TopologyNode parent, AgentCall call) {}
        List<Planned> planned = new ArrayList<>();
        for (TopologyNode parent : parents) {
            planned.add(new Planned(parent, callFor(topology, parent, p, overlap ? virtualOverlap(topology, parent, p)
                    : null)));
        }
        planned.sort(java.util.Comparator.comparingDouble((Planned x) -> virtualStart(x.call()))
                .thenComparingInt(x -> x.parent().index()));
        for (Planned x : planned) {
            send(ctx, x.parent(), p, x.call());
        }
    }

    private static double virtualStart(AgentCall call) {
        return call.partReadyMs() != null ? Math.min(call.openOffsetMs(), call.readyOffsetMs()) : call.readyOffsetMs();
    }

    private static boolean allFinished(Topology topology, TopologyNode parent, Pending p) {
        for (TopologyNode child : topology.childrenOf(parent)) {
            if (p.finished[child.index()] == null) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- prefill/decode overlap (real time)

    /** Opens the parent's session if needed and appends whatever of its slots can be written now. */
    private void stream(Context ctx, Topology topology, TopologyNode parent, Pending p) {
        int pi = parent.index();
        if (!p.isOpened(parent)) {
            p.replica[pi] = chooser == null ? 0 : chooser.choose(parent.model());
            p.opened |= 1L << pi;
            p.slot[pi] = new int[] {0, -1, 0};
            p.sent[pi] = "";
            ctx.output(routes.tag(parent.level(), parent.model(), p.replica[pi]),
                    AgentCall.open(p.query, parent.id(), parent.level(), parent.model(), prefix(p.query)));
        }
        TopologyNode[] kids = topology.childrenOf(parent);
        int[] slot = p.slot[pi];
        int[] writer = {slot[1], slot[2]};
        StringBuilder piece = new StringBuilder();
        while (slot[0] < kids.length) {
            int k = kids[slot[0]].index();
            NodeResult r = p.finished[k];
            boolean cancelled = (p.cancelRequested & (1L << k)) != 0;
            boolean unusable = r != null && !r.trace().hasOutput();
            if (!SlotWriter.started(writer) && (cancelled || unusable)) {
                slot[0]++; // never started: a stopped or failed input gets no slot
                continue;
            }
            String text = p.partial[k] == null ? "" : p.partial[k];
            boolean startedBefore = SlotWriter.started(writer);
            piece.append(SlotWriter.take(writer, text, r != null));
            if (!startedBefore && SlotWriter.started(writer)) {
                p.slotted[pi] |= 1L << k;
            }
            if (r == null) {
                break;
            }
            slot[0]++;
            writer[0] = -1;
        }
        slot[1] = writer[0];
        slot[2] = writer[1];
        if (piece.length() > 0) {
            p.sent[pi] = p.sent[pi] + piece;
            ctx.output(routes.tag(parent.level(), parent.model(), p.replica[pi]),
                    AgentCall.append(p.query, parent.id(), parent.level(), parent.model(), piece.toString()));
        }
    }

    // ---------------------------------------------------------------- early termination

    /** Real time: scores the finished siblings of {@code parent}'s group and cancels the others if it says so. */
    private void earlyExit(Topology topology, TopologyNode parent, Pending p, QueryTask query) {
        TopologyNode[] kids = topology.childrenOf(parent);
        int finished = 0;
        boolean anyRunning = false;
        for (TopologyNode kid : kids) {
            if (p.finished[kid.index()] != null) {
                finished++;
            } else if ((p.cancelRequested & (1L << kid.index())) == 0) {
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
        if (done.size() < mechanisms.earlyExit().minFinished() || done.size() < 2) {
            return;
        }
        double q = score(done);
        if (metric.terminate(q, query.id(), level, kids[0].index(), finished)) {
            stopUnfinished(topology, kids, p, query.id(), false);
        }
    }

    /**
     * Real time, with {@code bypass_early}: when the finished children that agree already reach the bypass
     * threshold, the parent will be bypassed with their answer whatever the others say, so the others are stopped.
     */
    private void settleBypass(Topology topology, TopologyNode parent, Pending p, QueryTask query) {
        TopologyNode[] kids = topology.childrenOf(parent);
        boolean anyRunning = false;
        for (TopologyNode kid : kids) {
            anyRunning |= p.finished[kid.index()] == null && (p.cancelRequested & (1L << kid.index())) == 0;
        }
        if (anyRunning && settles(vote(kids, p))) {
            stopUnfinished(topology, kids, p, query.id(), true);
        }
    }

    private boolean settles(Vote vote) {
        return vote.answer != null && vote.share >= bypassThreshold - SHARE_TOLERANCE;
    }

    /**
     * Stops the unfinished children of a group, each with the part of the graph below it that only it reads (an
     * aggregator's own inputs, which may still be decoding): running sessions are cancelled, the others tombstoned
     * so that their calls end CANCELLED as they arrive. Their CANCELLED results still come here and are waited for.
     */
    private static void stopUnfinished(Topology topology, TopologyNode[] kids, Pending p, String queryId,
                                       boolean settledVote) {
        for (TopologyNode kid : kids) {
            long bit = 1L << kid.index();
            if (p.finished[kid.index()] == null && (p.cancelRequested & bit) == 0) {
                p.cancelRequested |= bit;
                if (settledVote) {
                    p.settledStop |= bit;
                }
                for (TopologyNode n : exclusiveSubtree(topology, kid)) {
                    RunningAgents.stop(queryId, n.id());
                }
            }
        }
    }

    /** {@code top} and every node below it all of whose parents are in the set: what only {@code top} reads. */
    static List<TopologyNode> exclusiveSubtree(Topology topology, TopologyNode top) {
        List<TopologyNode> out = new ArrayList<>();
        out.add(top);
        java.util.Set<String> in = new java.util.HashSet<>();
        in.add(top.id());
        for (int l = top.level() - 1; l >= 1; l--) {
            for (TopologyNode n : topology.level(l)) {
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

    /**
     * Virtual time: replays the group's children in the order they finished on the engine clock; after each, a
     * settled bypass ({@code bypass_early}) or the early-exit score may say stop, and then the children still
     * running are cut at that moment (plus the measured time the scoring took): CANCELLED, with the output they had
     * produced by then, and the nodes below them that only they read cut likewise.
     */
    private void replayStops(Topology topology, TopologyNode parent, Pending p) {
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
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p.finished[a].trace().endOffsetMs(),
                p.finished[b].trace().endOffsetMs()));
        List<NodeResult> done = new ArrayList<>();
        for (int n = 0; n < order.length - 1; n++) {
            NodeResult r = p.finished[order[n]];
            if (r.trace().hasOutput()) {
                done.add(r);
            }
            double at = r.trace().endOffsetMs();
            boolean settled = bypassEarly && settles(vote(done, kids.length));
            boolean stop = settled;
            if (!stop && metric != null && done.size() >= mechanisms.earlyExit().minFinished() && done.size() >= 2) {
                long t0 = System.nanoTime();
                double q = score(done);
                stop = metric.terminate(q, p.query.id(), level, kids[0].index(), n + 1);
                at += (System.nanoTime() - t0) / 1e6;
            }
            if (stop) {
                for (int m = n + 1; m < order.length; m++) {
                    int k = order[m];
                    p.finished[k] = truncated(topology, p, k, at,
                            settled ? CANCELLED_BY_SETTLED_VOTE : CANCELLED_BY_EARLY_EXIT);
                    p.cancelRequested |= 1L << k;
                }
                return;
            }
        }
    }

    private double score(List<NodeResult> done) {
        int n = done.size();
        double[] conf = new double[n];
        String[] answers = new String[n];
        for (int i = 0; i < n; i++) {
            conf[i] = done.get(i).trace().confidence();
            answers[i] = done.get(i).trace().extractedAnswer();
        }
        float[][] vectors = new float[n][];
        return metric.q(conf, answers, i -> {
            if (vectors[i] == null) {
                vectors[i] = embedder().embed(done.get(i).text());
            }
            return vectors[i];
        });
    }

    private TextEmbedder embedder() {
        if (embedder == null) {
            embedder = Embedders.shared(mechanisms.earlyExit().embedder());
        }
        return embedder;
    }

    /**
     * Child {@code k} as if it had been cancelled at {@code at} (virtual time), with the traces of the nodes below it
     * that only it reads cut at the same moment.
     */
    private NodeResult truncated(Topology topology, Pending p, int k, double at, String why) {
        NodeResult r = p.finished[k];
        NodeTrace t = r.trace();
        if (at >= t.endOffsetMs()) {
            return r;
        }
        int tokens = tokensBy(t, at);
        String text = "";
        if (p.marks != null && p.marks[k] != null && p.partial[k] != null) {
            int[] m = p.marks[k];
            for (int i = 0; i + 1 < m.length && m[i + 1] <= tokens; i += 2) {
                text = p.partial[k].substring(0, m[i]);
            }
        }
        NodeTrace[] upstream = r.upstream();
        List<TopologyNode> below = exclusiveSubtree(topology, topology.level(level).get(k));
        if (below.size() > 1 && upstream.length > 0) {
            java.util.Set<String> ids = new java.util.HashSet<>();
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

    /** Output tokens a node had decoded by {@code at}, its decode spread evenly over its decode time. */
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

    private static NodeResult withError(NodeResult r, String error) {
        NodeTrace t = r.trace();
        NodeTrace marked = t.withOutcome(t.status(), t.decodeMs(), t.endOffsetMs(), t.outputTokens(),
                t.extractedAnswer(), error);
        return new NodeResult(r.query(), r.text(), marked, r.criticalPathMs(), r.upstream());
    }

    // ---------------------------------------------------------------- prefill/decode overlap (virtual time)

    /** The parent's prompt pieces with the time each became available, as real-time streaming would append them. */
    private record Schedule(List<String> pieces, List<Double> readyMs, double openMs, long slotted) {}

    private static Schedule virtualOverlap(Topology topology, TopologyNode parent, Pending p) {
        TopologyNode[] kids = topology.childrenOf(parent);
        double open = Double.POSITIVE_INFINITY;
        for (TopologyNode kid : kids) {
            open = Math.min(open, chunkTime(p, kid.index(), 0));
        }
        List<String> pieces = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        double clock = open;
        long slotted = 0;
        int[] writer = {-1, 0};
        for (TopologyNode kid : kids) {
            int k = kid.index();
            NodeResult r = p.finished[k];
            double end = r.trace().endOffsetMs();
            String text = r.trace().status() == NodeStatus.CANCELLED || p.partial[k] == null ? r.text() : p.partial[k];
            int[] m = p.marks == null || p.marks[k] == null ? new int[0] : p.marks[k];
            int usableChunks = 0;
            while (usableChunks * 2 + 1 < m.length && m[usableChunks * 2] <= text.length()) {
                usableChunks++;
            }
            // The slot starts once the slots before it are closed; an input that ended unusable before then, or
            // was stopped before any of it reached its slot, gets none.
            double firstPiece = usableChunks > 0 ? Math.max(clock, chunkTime(p, k, 0)) : Double.POSITIVE_INFINITY;
            boolean usable = r.trace().hasOutput();
            if (!usable && firstPiece > end) {
                continue;
            }
            for (int i = 0; i < usableChunks; i++) {
                String piece = SlotWriter.take(writer, text.substring(0, m[i * 2]), false);
                clock = Math.max(clock, chunkTime(p, k, i));
                if (!piece.isEmpty()) {
                    pieces.add(piece);
                    times.add(clock);
                }
            }
            String last = SlotWriter.take(writer, text, true);
            clock = Math.max(clock, end);
            if (SlotWriter.started(writer)) {
                slotted |= 1L << k;
                pieces.add(last);
                times.add(clock);
            }
            writer[0] = -1;
        }
        return new Schedule(pieces, times, Double.isInfinite(open) ? 0 : open, slotted);
    }

    /** When chunk {@code i} of child {@code k} was available (virtual time): its share of the decode. */
    private static double chunkTime(Pending p, int k, int i) {
        NodeTrace t = p.finished[k].trace();
        int[] m = p.marks == null ? null : p.marks[k];
        if (m == null || i * 2 + 1 >= m.length || t.outputTokens() == 0) {
            return t.endOffsetMs();
        }
        double decodeStart = t.endOffsetMs() - t.decodeMs();
        return Math.min(t.endOffsetMs(), decodeStart + t.decodeMs() * m[i * 2 + 1] / t.outputTokens());
    }

    // ---------------------------------------------------------------- the parent's call

    private void emit(Context ctx, Topology topology, TopologyNode parent, Pending p, Schedule schedule) {
        send(ctx, parent, p, callFor(topology, parent, p, schedule));
    }

    private void send(Context ctx, TopologyNode parent, Pending p, AgentCall call) {
        int pi = parent.index();
        int replica;
        if (p.isOpened(parent)) {
            replica = p.replica[pi];
        } else {
            replica = chooser == null ? 0 : chooser.choose(parent.model());
        }
        ctx.output(routes.tag(parent.level(), parent.model(), replica), call);
        p.emitted |= 1L << pi;
    }

    private AgentCall callFor(Topology topology, TopologyNode parent, Pending p, Schedule schedule) {
        TopologyNode[] kids = topology.childrenOf(parent);
        double share = 0;
        AgentCall.Consensus consensus = null;
        if (bypassThreshold > 0) {
            Vote vote = vote(kids, p);
            share = vote.share;
            if (vote.answer != null && share >= bypassThreshold - SHARE_TOLERANCE) {
                consensus = new AgentCall.Consensus(vote.answer, vote.text, vote.confidence);
            }
        }
        boolean streamed = p.isOpened(parent);
        long slotted = streamed ? p.slotted[parent.index()] : schedule != null ? schedule.slotted : 0;
        boolean bySlots = streamed || schedule != null;
        List<String> inputs = new ArrayList<>();
        List<NodeTrace> upstream = new ArrayList<>();
        double ready = 0;
        double critical = 0;
        NodeResult single = null;
        for (TopologyNode childNode : kids) {
            NodeResult child = p.finished[childNode.index()];
            ready = Math.max(ready, child.trace().endOffsetMs());
            critical = Math.max(critical, child.criticalPathMs());
            boolean input = bySlots ? (slotted & (1L << childNode.index())) != 0
                    : child.trace().hasOutput() && !child.text().isBlank();
            if (input) {
                inputs.add(childNode.id());
                single = child;
            }
            if (topology.parentsOf(childNode)[0].id().equals(parent.id())) {
                upstream.add(child.trace());
                Collections.addAll(upstream, child.upstream());
            }
        }
        if (consensus == null && metric != null && inputs.size() == 1 && single.trace().hasOutput()) {
            // Early exit left one input: the aggregator could only restate it.
            consensus = new AgentCall.Consensus(single.trace().extractedAnswer(), single.text(),
                    single.trace().confidence());
            share = 1;
        }
        String[] prompt = NO_PARTS;
        double[] partReady = null;
        double open = ready;
        if (consensus == null) {
            List<String> parts = new ArrayList<>();
            if (streamed) {
                parts.add(p.sent[parent.index()]);
            } else if (schedule != null) {
                parts.addAll(schedule.pieces);
                partReady = new double[schedule.pieces.size()];
                for (int i = 0; i < partReady.length; i++) {
                    partReady[i] = schedule.readyMs.get(i);
                }
                open = Math.min(schedule.openMs, ready);
            } else {
                int n = 0;
                for (TopologyNode childNode : kids) {
                    NodeResult child = p.finished[childNode.index()];
                    if (child.trace().hasOutput() && !child.text().isBlank()) {
                        parts.add(Prompts.responseSlot(++n, child.text()));
                    }
                }
            }
            prompt = parts.toArray(String[]::new);
        }
        return new AgentCall(p.query, parent.id(), parent.level(), parent.model(), prefix(p.query), prompt,
                ready, critical, inputs.isEmpty(), inputs.toArray(String[]::new), upstream.toArray(NodeTrace[]::new),
                share, consensus, AgentCall.Phase.RUN, open, partReady);
    }

    /** The largest group of children giving the same extracted answer (first seen wins a tie). */
    private record Vote(String answer, double share, String text, double confidence) {}

    private static Vote vote(TopologyNode[] children, Pending p) {
        NodeResult[] results = new NodeResult[children.length];
        for (int i = 0; i < children.length; i++) {
            results[i] = p.finished[children[i].index()];
        }
        return vote(results, children.length);
    }

    /** The vote over the children finished so far, as a share of all {@code groupSize} of them. */
    private static Vote vote(List<NodeResult> finished, int groupSize) {
        return vote(finished.toArray(NodeResult[]::new), groupSize);
    }

    /** {@code results}: the children's results, null for an unfinished one (no answer). */
    private static Vote vote(NodeResult[] results, int groupSize) {
        String[] answers = new String[results.length];
        int best = 0;
        String bestAnswer = null;
        for (int i = 0; i < results.length; i++) {
            NodeTrace t = results[i] == null ? null : results[i].trace();
            answers[i] = t != null && t.hasOutput() ? t.extractedAnswer() : null;
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
        for (int i = 0; i < results.length; i++) {
            if (bestAnswer.equals(answers[i])) {
                NodeResult r = results[i];
                sum += r.trace().confidence();
                if (r.trace().confidence() > top) {
                    top = r.trace().confidence();
                    text = r.text();
                }
            }
        }
        return new Vote(bestAnswer, (double) best / groupSize, text, sum / best);
    }

    private String prefix(QueryTask query) {
        if (query != prefixQuery) {
            prefix = Prompts.aggregatorPrefix(query);
            prefixQuery = query;
        }
        return prefix;
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
     * the finished nodes by index within the level, and a bit per next-level node already emitted. With the
     * mechanisms on, also the children's streamed text, and per parent its open session's slot progress.
     */
    public static final class Pending {
        public QueryTask query;
        public NodeResult[] finished;
        public long emitted;
        /** Children asked to stop by early exit or a settled vote. */
        public long cancelRequested;
        /** Of those, the ones stopped because the others' vote settled their parent's bypass. */
        public long settledStop;
        /** Sibling groups (by their first child's index) whose early exit was decided (virtual time). */
        public long decided;
        /** Parents whose session is open (real-time overlap). */
        public long opened;
        /** Per child: output streamed so far (overlap). */
        public String[] partial;
        /** Per child: (characters, tokens) at the end of each streamed chunk (virtual-time overlap). */
        public int[][] marks;
        /** Per parent: {child position being written, its characters consumed (-1 = slot not started), slots numbered}. */
        public int[][] slot;
        /** Per parent: prompt text appended to its session after the prefix. */
        public String[] sent;
        /** Per parent: children that have a slot in its prompt. */
        public long[] slotted;
        /** Per parent: the replica its session was opened on. */
        public int[] replica;

        public Pending() {}

        Pending(int levelSize, int parents) {
            this.finished = new NodeResult[levelSize];
            this.slot = new int[parents][];
            this.sent = new String[parents];
            this.slotted = new long[parents];
            this.replica = new int[parents];
        }

        boolean isEmitted(TopologyNode parent) {
            return (emitted & (1L << parent.index())) != 0;
        }

        boolean isOpened(TopologyNode parent) {
            return (opened & (1L << parent.index())) != 0;
        }

        void addText(int child, String text) {
            if (partial == null) {
                partial = new String[finished.length];
            }
            partial[child] = partial[child] == null ? text : partial[child] + text;
        }

        void addMark(int child, int tokens) {
            if (marks == null) {
                marks = new int[finished.length][];
            }
            int[] m = marks[child] == null ? new int[0] : marks[child];
            m = Arrays.copyOf(m, m.length + 2);
            m[m.length - 2] = partial[child].length();
            m[m.length - 1] = tokens;
            marks[child] = m;
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
