package dev.moaflink.job.operators;

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
 * of the agent operator serving the leaf's model. Keeps no state (duplicate ids are dropped before it, see
 * {@code DuplicateIds}); keyed by query id so that everything after it can stay on the query's subtask.
 */
public final class RouteQueries extends KeyedProcessFunction<String, QueryTask, AgentCall> {

    private static final long serialVersionUID = 1L;
    private static final String[] NONE = new String[0];
    private static final NodeTrace[] NO_TRACES = new NodeTrace[0];

    private final TopologySet topologies;
    private final AgentRoutes routes;
    private transient ReplicaChooser chooser;
    private transient String ledgerKey;

    public RouteQueries(TopologySet topologies, AgentRoutes routes) {
        this.topologies = topologies;
        this.routes = routes;
    }

    @Override
    public void open(OpenContext openContext) {
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
    public void processElement(QueryTask query, Context ctx, Collector<AgentCall> out) {
        Topology topology = topologies.get(query.topology());
        String prompt = Prompts.proposer(query);
        for (TopologyNode leaf : topology.leaves()) {
            AgentCall call = new AgentCall(query, leaf.id(), 1, leaf.model(), prompt, NONE, 0.0, 0.0, false, NONE,
                    NO_TRACES, 0.0, null);
            int replica = chooser == null ? 0 : chooser.choose(leaf.model());
            ctx.output(routes.tag(1, leaf.model(), replica), call);
        }
    }

}
