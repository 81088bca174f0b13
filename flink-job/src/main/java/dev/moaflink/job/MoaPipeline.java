package dev.moaflink.job;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.dedup.DuplicateIds;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.operators.AgentOperatorFactory;
import dev.moaflink.job.operators.AgentRoutes;
import dev.moaflink.job.operators.AgentSpec;
import dev.moaflink.job.operators.LevelCollector;
import dev.moaflink.job.operators.RouteQueries;
import dev.moaflink.job.routing.Replicas;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.scheduler.plan.PlacementPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Compiles the configured topologies into the agent part of the job graph:
 *
 * <pre>
 * queries ─► keyBy(query) drop duplicate ids ─► router ─► agents L1 ─► collect L1 ─► agents L2 ─► collect L2 ─► ... ─► answers
 * </pre>
 *
 * Queries are keyed by id once. With the {@code fused} layout (default) one agent operator per level serves
 * every model of the level, and each stage is connected to the next by a forward edge and re-interpreted
 * as keyed (a query's records never leave its subtask), so the whole per-query path chains into one task
 * and no record is serialized between stages. With {@code per_model}, each (level, model) has its own agent
 * operator, which a placement plan can put on its own worker; their outputs are unioned and keyed again
 * before each collector. Collectors emit the answers of queries whose root is at their level. The graph is
 * acyclic; its depth is the deepest topology.
 */
public final class MoaPipeline {

    private MoaPipeline() {}

    /** What the pipeline emits: answers, and queries it rejected after decoding (duplicate ids; null: none). */
    public record Outputs(DataStream<AnswerRecord> answers, DataStream<DeadLetterRecord> rejected) {

        /** {@code decoded}'s dead letters together with the pipeline's own. */
        public DataStream<DeadLetterRecord> deadLetters(DataStream<DeadLetterRecord> decoded) {
            return rejected == null ? decoded : decoded.union(rejected);
        }
    }

    public static DataStream<AnswerRecord> answers(DataStream<QueryTask> queries, JobConfig config,
                                                   TopologySet topologies) {
        return build(queries, config, topologies).answers();
    }

    public static Outputs build(DataStream<QueryTask> queries, JobConfig config, TopologySet topologies) {
        PlacementPlan plan = ConfigValidator.placement(config);
        Replicas replicas = plan == null ? Replicas.none()
                : Replicas.of(plan, config.routing().gpusPerWorker(), config.routing().queueSlack());
        // A plan puts each model's replicas on named workers, which needs one operator per (level, model, replica).
        boolean fused = config.agent().layout() == JobConfig.Layout.FUSED && !replicas.placed();
        AgentRoutes routes = new AgentRoutes(fused, replicas);
        DuplicateIds.Filtered accepted = DuplicateIds.filter(queries.keyBy(QueryTask::id, Types.STRING),
                config.limits());
        SingleOutputStreamOperator<AgentCall> router = accepted.accepted()
                .process(new RouteQueries(topologies, routes), TypeInformation.of(AgentCall.class))
                .name("router").uid("router");
        SingleOutputStreamOperator<?> stage = router;
        List<DataStream<AnswerRecord>> answers = new ArrayList<>();
        for (int level = 1; level <= topologies.maxDepth(); level++) {
            Map<String, EngineSpec> engines = new LinkedHashMap<>();
            for (String model : modelsAt(topologies, level)) {
                engines.put(model, ConfigValidator.engineSpec(model, config.models().get(model)));
            }
            KeyedStream<AgentChunk, String> chunks = fused
                    ? fusedAgents(stage, routes, level, engines, config)
                    : perModelAgents(stage, routes, level, engines, config);
            SingleOutputStreamOperator<AnswerRecord> collector = chunks
                    .process(new LevelCollector(level, topologies, routes, config.mechanisms()),
                            TypeInformation.of(AnswerRecord.class))
                    .name("collect L" + level).uid("collect-L" + level);
            if (rootsAt(topologies, level)) {
                answers.add(collector);
            }
            stage = collector;
        }
        DataStream<AnswerRecord> all = answers.get(0);
        for (int i = 1; i < answers.size(); i++) {
            all = all.union(answers.get(i));
        }
        return new Outputs(all, accepted.duplicates());
    }

    private static KeyedStream<AgentChunk, String> fusedAgents(SingleOutputStreamOperator<?> stage, AgentRoutes routes,
                                                               int level, Map<String, EngineSpec> engines,
                                                               JobConfig config) {
        AgentSpec spec = new AgentSpec(engines, level, "default", config.agent())
                .withAnnounceStart(config.mechanisms().overlap());
        DataStream<AgentChunk> out = stage.getSideOutput(routes.tag(level, null))
                .transform("agents L" + level + " " + engines.keySet(), TypeInformation.of(AgentChunk.class),
                        new AgentOperatorFactory(spec))
                .uid("agents-L" + level);
        // Safe: the calls came from a keyed operator on this subtask over a forward edge.
        return DataStreamUtils.reinterpretAsKeyedStream(out, AgentChunk::queryId, Types.STRING);
    }

    private static KeyedStream<AgentChunk, String> perModelAgents(SingleOutputStreamOperator<?> stage,
                                                                  AgentRoutes routes, int level,
                                                                  Map<String, EngineSpec> engines, JobConfig config) {
        DataStream<AgentChunk> union = null;
        for (Map.Entry<String, EngineSpec> e : engines.entrySet()) {
            String model = e.getKey();
            Replicas.Model placed = routes.replicas().of(model);
            if (placed == null) {
                AgentSpec spec = AgentSpec.single(e.getValue(), level, "default", config.agent())
                        .withAnnounceStart(config.mechanisms().overlap());
                DataStream<AgentChunk> out = stage.getSideOutput(routes.tag(level, model))
                        .transform("agent L" + level + " " + model, TypeInformation.of(AgentChunk.class),
                                new AgentOperatorFactory(spec))
                        .uid("agent-L" + level + "-" + model);
                union = union == null ? out : union.union(out);
                continue;
            }
            for (int r = 0; r < placed.count(); r++) {
                String worker = placed.workers()[r];
                EngineSpec engine = onWorker(e.getValue(), worker);
                AgentSpec spec = new AgentSpec(Map.of(model, engine), level, worker, r, config.agent())
                        .withAnnounceStart(config.mechanisms().overlap());
                SingleOutputStreamOperator<AgentChunk> out = stage.getSideOutput(routes.tag(level, model, r))
                        .transform("agent L" + level + " " + model + " @" + worker,
                                TypeInformation.of(AgentChunk.class), new AgentOperatorFactory(spec))
                        .uid("agent-L" + level + "-" + model + "-r" + r)
                        .setParallelism(1);
                slotSharingGroup(out, worker, routes.replicas().gpusPerWorker());
                union = union == null ? out : union.union(out);
            }
        }
        return union.keyBy(AgentChunk::queryId, Types.STRING);
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

    /**
     * The engine of a replica on a worker. Simulated engines get the worker as their {@code worker} option, so in
     * virtual time the replicas placed on one worker share its virtual GPU; real engines share the physical one.
     */
    static EngineSpec onWorker(EngineSpec engine, String worker) {
        if (!"sim".equals(engine.backend())) {
            return engine;
        }
        Map<String, String> options = new LinkedHashMap<>(engine.options());
        options.put("worker", worker);
        return new EngineSpec(engine.backend(), engine.model(), options);
    }

    /**
     * Only collectors at a level where some topology has its root emit answers; leaving the others out of
     * the union keeps the answer sink a single-input operator, so it chains onto the last collector when
     * every topology has the same depth (the answer is then encoded without a serialization hop).
     */
    private static boolean rootsAt(TopologySet topologies, int level) {
        return topologies.all().values().stream().anyMatch(t -> t.depth() == level);
    }

    private static Set<String> modelsAt(TopologySet topologies, int level) {
        Set<String> models = new LinkedHashSet<>();
        for (Topology t : topologies.all().values()) {
            if (t.depth() >= level) {
                models.addAll(t.modelsAt(level));
            }
        }
        return models;
    }
}
