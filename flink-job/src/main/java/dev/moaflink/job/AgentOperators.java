package dev.moaflink.job;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.backchannel.BackchannelFactory;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.operators.AgentOperatorFactory;
import dev.moaflink.job.operators.AgentSpec;
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.routing.Replicas;
import dev.moaflink.job.simulation.SimulationSeam;
import java.util.Map;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The agent operators of one topology level in the job graph, fed by the previous stage's side outputs: one fused
 * operator for every model of the level, or one per model, and one per replica (on its worker's slot-sharing group)
 * for a model a placement plan replicates. Their output is keyed by query id again for the level's collector.
 */
final class AgentOperators {

    private final SingleOutputStreamOperator<?> stage;
    private final AgentRoutes routes;
    private final int level;
    private final JobConfig config;
    private final BackchannelFactory backchannels;

    AgentOperators(SingleOutputStreamOperator<?> stage, AgentRoutes routes, int level, JobConfig config,
                   BackchannelFactory backchannels) {
        this.stage = stage;
        this.routes = routes;
        this.level = level;
        this.config = config;
        this.backchannels = backchannels;
    }

    /** One operator serving every model of the level, chained to the stage before it. */
    KeyedStream<AgentChunk, String> fused(Map<String, EngineSpec> engines) {
        AgentSpec spec = new AgentSpec(engines, level, "default", config.agent())
                .withAnnounceStart(config.mechanisms().overlap()).withOperatorId(routes.operatorId(level, null, 0))
                .withSampling(config.topologies());
        DataStream<AgentChunk> out = stage.getSideOutput(routes.tag(level, null))
                .transform("agents L" + level + " " + engines.keySet(), TypeInformation.of(AgentChunk.class),
                        new AgentOperatorFactory(spec, backchannels))
                .uid(spec.operatorId());
        // Safe: the calls came from a keyed operator on this subtask over a forward edge.
        return DataStreamUtils.reinterpretAsKeyedStream(out, AgentChunk::queryId, Types.STRING);
    }

    /** One operator per model, and per replica of a placed model. */
    KeyedStream<AgentChunk, String> perModel(Map<String, EngineSpec> engines) {
        DataStream<AgentChunk> union = null;
        for (Map.Entry<String, EngineSpec> e : engines.entrySet()) {
            String model = e.getKey();
            Replicas.Model placed = routes.replicas().of(model);
            if (placed == null) {
                AgentSpec spec = AgentSpec.single(e.getValue(), level, "default", config.agent());
                DataStream<AgentChunk> out = transform(spec, 0, "agent L" + level + " " + model);
                union = union == null ? out : union.union(out);
                continue;
            }
            for (int r = 0; r < placed.count(); r++) {
                String worker = placed.workers()[r];
                EngineSpec engine = SimulationSeam.onWorker(e.getValue(), worker);
                AgentSpec spec = new AgentSpec(Map.of(model, engine), level, worker, r, config.agent());
                SingleOutputStreamOperator<AgentChunk> out = transform(spec, r,
                        "agent L" + level + " " + model + " @" + worker).setParallelism(1);
                slotSharingGroup(out, worker, routes.replicas().gpusPerWorker());
                union = union == null ? out : union.union(out);
            }
        }
        return union.keyBy(AgentChunk::queryId, Types.STRING);
    }

    private SingleOutputStreamOperator<AgentChunk> transform(AgentSpec spec, int replica, String name) {
        String model = spec.engines().keySet().iterator().next();
        AgentSpec announced = spec.withAnnounceStart(config.mechanisms().overlap())
                .withOperatorId(routes.operatorId(level, model, replica)).withSampling(config.topologies());
        return stage.getSideOutput(routes.tag(level, model, replica))
                .transform(name, TypeInformation.of(AgentChunk.class), new AgentOperatorFactory(announced, backchannels))
                .uid(announced.operatorId());
    }

    /**
     * Puts an operator in its worker's slot-sharing group. With GPUs per worker, the group also requests them as
     * the Flink external resource {@code gpu} (with one CPU core and 1 GiB of task heap, which fine-grained
     * resource management needs alongside it).
     */
    private static void slotSharingGroup(SingleOutputStreamOperator<?> op, String worker, int gpus) {
        String name = Replicas.slotSharingGroup(worker);
        if (gpus <= 0) {
            op.slotSharingGroup(name);
            return;
        }
        op.slotSharingGroup(SlotSharingGroup.newBuilder(name).setCpuCores(1.0).setTaskHeapMemoryMB(1024)
                .setExternalResource("gpu", gpus).build());
    }
}
