package dev.moaflink.job.operators;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.job.topology.TopologySet;
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

    private final TopologySet topologies;
    private final AgentRoutes routes;

    public RouteQueries(TopologySet topologies, AgentRoutes routes) {
        this.topologies = topologies;
        this.routes = routes;
    }

    @Override
    public void processElement(QueryTask query, Context ctx, Collector<AgentCall> out) {
        Topology topology = topologies.get(query.topology());
        String prompt = Prompts.proposer(query);
        for (TopologyNode leaf : topology.leaves()) {
            AgentCall call = new AgentCall(query, leaf.id(), 1, leaf.model(), prompt, NONE, 0.0, 0.0, false, NONE,
                    NO_TRACES);
            ctx.output(routes.tag(1, leaf.model()), call);
        }
    }
}
