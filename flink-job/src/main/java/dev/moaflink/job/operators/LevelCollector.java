package dev.moaflink.job.operators;

import dev.moaflink.job.backchannel.AgentAddress;
import dev.moaflink.job.backchannel.Backchannel;
import dev.moaflink.job.backchannel.BackchannelContext;
import dev.moaflink.job.backchannel.BackchannelFactory;
import dev.moaflink.job.backchannel.JobScope;
import dev.moaflink.job.backchannel.LocalBackchannel;
import dev.moaflink.job.collect.AggregatorCalls;
import dev.moaflink.job.collect.AnswerAssembly;
import dev.moaflink.job.collect.CallSender;
import dev.moaflink.job.collect.EarlyExit;
import dev.moaflink.job.collect.LevelJoin;
import dev.moaflink.job.collect.LevelState;
import dev.moaflink.job.collect.OverlapStream;
import dev.moaflink.job.collect.SiblingStops;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.metrics.AnswerMetrics;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.EngineClock;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.routing.ReplicaChooser;
import dev.moaflink.job.simulation.SimulationSeam;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.job.topology.TopologySet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Joins the finished agents of one topology level, per query (keyed by query id). As soon as a next-level node's
 * inputs are in, it sends that node's {@link AgentCall.Run} with the aggregate-and-synthesize prompt, or with the
 * consensus that bypasses it; when the finished node is a root, it emits the query's {@link AnswerRecord} instead.
 * A query's state ({@link LevelState}) is cleared as soon as every next-level node of it has been sent.
 *
 * <p>The operator keeps the Flink lifecycle; the mechanisms ({@link JobConfig.Mechanisms}) are its parts: the
 * {@link LevelJoin} chosen once for the job's clock (real time: {@code WallClockJoin}, with {@link SiblingStops} for
 * early termination and settled bypasses and {@link OverlapStream} for prefill/decode overlap; virtual time: replayed
 * on the engine clock), {@link AggregatorCalls} for the parents' runs, {@link AnswerAssembly} for the answer.
 */
public final class LevelCollector extends KeyedProcessFunction<String, AgentChunk, AnswerRecord> {

    private static final long serialVersionUID = 1L;

    private final int level;
    private final TopologySet topologies;
    private final AgentRoutes routes;
    private final JobConfig.Mechanisms mechanisms;
    private final EngineClock clock;
    private final BackchannelFactory backchannels;

    private transient ValueState<LevelState> pending;
    private transient Backchannel backchannel;
    private transient CallSender sender;
    private transient LevelJoin join;
    private transient AnswerAssembly answers;
    private transient AnswerMetrics answerMetrics;
    /** The record being processed's context: the side outputs the calls leave through. */
    private transient Context current;
    /** This subtask's gateway to its coordinator on the JobManager (stops to other processes); null without one. */
    private transient OperatorEventGateway coordinator;

    /** A collector on the wall clock that stops agents through the in-JVM backchannel. */
    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes, JobConfig.Mechanisms mechanisms) {
        this(level, topologies, routes, mechanisms, EngineClock.WALL, LocalBackchannel.SHARED);
    }

    /**
     * @param clock        the job's clock (see {@link EngineClock#of})
     * @param backchannels where stops of running agents are sent
     */
    public LevelCollector(int level, TopologySet topologies, AgentRoutes routes, JobConfig.Mechanisms mechanisms,
                          EngineClock clock, BackchannelFactory backchannels) {
        this.level = level;
        this.topologies = topologies;
        this.routes = routes;
        this.mechanisms = mechanisms;
        this.clock = clock;
        this.backchannels = backchannels;
    }

    @Override
    public void open(OpenContext openContext) {
        pending = getRuntimeContext().getState(
                new ValueStateDescriptor<>("pending", TypeInformation.of(LevelState.class)));
        answerMetrics = new AnswerMetrics(getRuntimeContext().getMetricGroup());
        answers = new AnswerAssembly(clock);
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        backchannel = backchannels.open(new BackchannelContext(JobScope.of(getRuntimeContext()), coordinator));
        ReplicaChooser chooser = routes.replicas().anyReplicated()
                ? new ReplicaChooser(routes.replicas(), backchannel, subtask) : null;
        sender = new CallSender(routes, chooser, this::emit);
        EarlyExit earlyExit = mechanisms.earlyExitOn() ? new EarlyExit(mechanisms.earlyExit()) : null;
        if (earlyExit != null) {
            earlyExit.warmUp();
        }
        double threshold = mechanisms.bypassThreshold();
        double settle = mechanisms.bypassEarly() ? threshold : 0;
        AggregatorCalls calls = new AggregatorCalls(threshold, earlyExit != null);
        SiblingStops stops = new SiblingStops(level, earlyExit, settle, backchannel,
                n -> routes.addressesOf(n.level(), n.model(), subtask), stopTargets(subtask));
        getRuntimeContext().getMetricGroup().gauge("stopsRemote", backchannel::remoteStops);
        OverlapStream overlap = mechanisms.overlap() ? new OverlapStream(sender, calls) : null;
        join = SimulationSeam.levelJoin(clock, level, calls, sender, earlyExit, settle, stops, overlap);
    }

    /** The agent operators a stop from this collector may have to reach: those of this level and below. */
    private List<AgentAddress> stopTargets(int subtask) {
        Set<AgentAddress> targets = new LinkedHashSet<>();
        for (Topology t : topologies.all().values()) {
            for (int l = 1; l <= Math.min(level, t.depth()); l++) {
                for (String model : t.modelsAt(l)) {
                    targets.addAll(routes.addressesOf(l, model, subtask));
                }
            }
        }
        return new ArrayList<>(targets);
    }

    /** Set by {@link CollectorOperatorFactory} before {@code open}: where stops to other processes leave. */
    void useCoordinator(OperatorEventGateway gateway) {
        this.coordinator = gateway;
    }

    private void emit(OutputTag<AgentCall> tag, AgentCall call) {
        current.output(tag, call);
    }

    @Override
    public void processElement(AgentChunk chunk, Context ctx, Collector<AnswerRecord> out) throws Exception {
        current = ctx;
        if (!chunk.isLast()) {
            if (mechanisms.overlap()) {
                partial(chunk);
            }
            return;
        }
        NodeResult result = chunk.result();
        sender.finished(result.trace().model(), result.trace().replica());
        Topology topology = topologies.get(result.query().topology());
        TopologyNode node = topology.node(chunk.nodeId());
        if (node.level() != level) {
            throw new IllegalStateException("node " + node.id() + " reached the level-" + level + " collector");
        }
        if (node.isRoot()) {
            backchannel.forget(result.query().id());
            AnswerRecord a = answers.answer(topology, result);
            answerMetrics.record(a);
            out.collect(a);
            return;
        }
        LevelState p = stateOf(topology);
        p.query = result.query();
        if (mechanisms.overlap()) {
            p.addText(node.index(), chunk.text());
        }
        join.finished(topology, node, result, p);
        if (p.allEmitted(topology.level(level + 1).size())) {
            pending.clear();
        } else {
            pending.update(p);
        }
    }

    /** A streamed piece of a child's output: kept, and handed to the join (overlap). */
    private void partial(AgentChunk chunk) throws Exception {
        LevelState p = pending.value();
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
            p = new LevelState(topology.level(level).size(), topology.level(level + 1).size());
        }
        p.query = query;
        p.addText(node.index(), chunk.text());
        join.partial(topology, node, chunk, p);
        pending.update(p);
    }

    private LevelState stateOf(Topology topology) throws Exception {
        LevelState p = pending.value();
        return p != null ? p : new LevelState(topology.level(level).size(), topology.level(level + 1).size());
    }

    @Override
    public void close() throws Exception {
        if (backchannel != null) {
            backchannel.close();
            backchannel = null;
        }
        super.close();
    }
}
