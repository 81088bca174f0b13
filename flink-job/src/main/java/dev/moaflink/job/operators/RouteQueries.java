package dev.moaflink.job.operators;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.job.io.RejectCounters;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.routing.ReplicaChooser;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.job.topology.TopologySet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each query to the leaf agents of its topology: one {@link AgentCall} per leaf, on the side output
 * of the agent operator serving the leaf's model. Stateless; keyed by query id so that everything after it
 * can stay on the query's subtask.
 */
public final class RouteQueries extends KeyedProcessFunction<String, QueryTask, AgentCall> {

    private static final long serialVersionUID = 1L;
    private static final String[] NONE = new String[0];
    private static final NodeTrace[] NO_TRACES = new NodeTrace[0];

    /** Queries whose id was accepted within the duplicate window (dead letters). */
    public static final OutputTag<DeadLetterRecord> DUPLICATES =
            new OutputTag<>("duplicate-ids", TypeInformation.of(DeadLetterRecord.class));

    private final TopologySet topologies;
    private final AgentRoutes routes;
    private final long duplicateWindowMs;
    private transient ReplicaChooser chooser;
    private transient String ledgerKey;
    private transient ValueState<Boolean> seen;
    private transient RejectCounters rejected;
    private transient AvroCodec<Query> codec;

    public RouteQueries(TopologySet topologies, AgentRoutes routes) {
        this(topologies, routes, 0);
    }

    /** @param duplicateWindowMs a query id routed within this long before is a duplicate; 0: no check */
    public RouteQueries(TopologySet topologies, AgentRoutes routes, long duplicateWindowMs) {
        this.topologies = topologies;
        this.routes = routes;
        this.duplicateWindowMs = duplicateWindowMs;
    }

    @Override
    public void open(OpenContext openContext) {
        if (duplicateWindowMs > 0) {
            ValueStateDescriptor<Boolean> d = new ValueStateDescriptor<>("query-id-seen", Types.BOOLEAN);
            // The id is forgotten once the window has passed; expired entries are dropped as state is touched
            // and in full snapshots, so memory stays at about rate x window entries.
            d.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(duplicateWindowMs))
                    .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .cleanupIncrementally(10, false)
                    .cleanupFullSnapshot()
                    .build());
            seen = getRuntimeContext().getState(d);
            rejected = new RejectCounters(getRuntimeContext().getMetricGroup());
            codec = AvroCodec.of(Query.class);
        }
        if (routes.replicas().anyReplicated()) {
            ledgerKey = ledgerKey(getRuntimeContext());
            chooser = new ReplicaChooser(routes.replicas(), ledgerKey);
        }
    }

    @Override
    public void close() {
        if (ledgerKey != null) {
            ReplicaChooser.release(ledgerKey);
        }
    }

    /** Key of the in-flight counts shared by the router and the collectors of one subtask (one slot, one JVM). */
    static String ledgerKey(org.apache.flink.api.common.functions.RuntimeContext ctx) {
        return ctx.getJobInfo().getJobId() + "/" + ctx.getTaskInfo().getIndexOfThisSubtask();
    }

    @Override
    public void processElement(QueryTask query, Context ctx, Collector<AgentCall> out) throws Exception {
        if (seen != null) {
            if (seen.value() != null) {
                rejected.inc(RejectKind.DUPLICATE_ID);
                ctx.output(DUPLICATES, new DeadLetterRecord(codec.encode(asAvro(query)),
                        query.id().getBytes(StandardCharsets.UTF_8), "", -1, -1, query.id(), RejectKind.DUPLICATE_ID,
                        "query id '" + query.id() + "' was already accepted within the last " + duplicateWindowMs
                                + " ms (limits.duplicate_window_ms); the first one is answered",
                        System.currentTimeMillis()));
                return;
            }
            seen.update(Boolean.TRUE);
        }
        Topology topology = topologies.get(query.topology());
        String prompt = Prompts.proposer(query);
        for (TopologyNode leaf : topology.leaves()) {
            AgentCall call = new AgentCall(query, leaf.id(), 1, leaf.model(), prompt, NONE, 0.0, 0.0, false, NONE,
                    NO_TRACES, 0.0, null);
            int replica = chooser == null ? 0 : chooser.choose(leaf.model());
            ctx.output(routes.tag(1, leaf.model(), replica), call);
        }
    }

    /** The duplicate as a Query record again, so that the dead letter can be inspected or replayed. */
    private static Query asAvro(QueryTask q) {
        return Query.newBuilder().setId(q.id()).setText(q.text())
                .setChoices(q.choices() == null ? List.of() : Arrays.asList(q.choices()))
                .setTaskType(q.taskType()).setGold(q.gold()).setTopology(q.topology())
                .setSubmittedAt(Instant.ofEpochMilli(q.submittedAtMs())).build();
    }
}
