package dev.moaflink.job.operators;

import dev.moaflink.job.backchannel.Backchannel;
import dev.moaflink.job.backchannel.BackchannelContext;
import dev.moaflink.job.backchannel.BackchannelFactory;
import dev.moaflink.job.backchannel.JobScope;
import dev.moaflink.job.backchannel.LocalBackchannel;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.routing.ReplicaChooser;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.job.topology.TopologySet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each query to the leaf agents of its topology: one {@link AgentCall.Run} per leaf, on the side output of the
 * agent operator serving the leaf's model. Keeps no keyed state (duplicate ids are dropped before it, see
 * {@code DuplicateIds}); keyed by query id so that everything after it can stay on the query's subtask. With
 * replicated models it deals calls to replicas, counting them in flight in the job's backchannel.
 */
public final class RouteQueries extends KeyedProcessFunction<String, QueryTask, AgentCall> {

    private static final long serialVersionUID = 1L;
    private static final String[] NONE = new String[0];
    private static final NodeTrace[] NO_TRACES = new NodeTrace[0];

    private final TopologySet topologies;
    private final AgentRoutes routes;
    private final BackchannelFactory backchannels;
    private transient Backchannel backchannel;
    private transient ReplicaChooser chooser;

    public RouteQueries(TopologySet topologies, AgentRoutes routes) {
        this(topologies, routes, LocalBackchannel.SHARED);
    }

    public RouteQueries(TopologySet topologies, AgentRoutes routes, BackchannelFactory backchannels) {
        this.topologies = topologies;
        this.routes = routes;
        this.backchannels = backchannels;
    }

    @Override
    public void open(OpenContext openContext) {
        if (routes.replicas().anyReplicated()) {
            backchannel = backchannels.open(BackchannelContext.local(JobScope.of(getRuntimeContext())));
            chooser = new ReplicaChooser(routes.replicas(), backchannel,
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        }
    }

    @Override
    public void close() {
        if (backchannel != null) {
            backchannel.close();
            backchannel = null;
        }
    }

    @Override
    public void processElement(QueryTask query, Context ctx, Collector<AgentCall> out) {
        Topology topology = topologies.get(query.topology());
        String prompt = Prompts.proposer(query);
        for (TopologyNode leaf : topology.leaves()) {
            AgentCall call = new AgentCall.Run(query, leaf.id(), 1, leaf.model(), prompt, NONE, 0.0, 0.0, false, NONE,
                    NO_TRACES, 0.0, null);
            int replica = chooser == null ? 0 : chooser.choose(leaf.model());
            ctx.output(routes.tag(1, leaf.model(), replica), call);
        }
    }
}
