package dev.moaflink.job;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.operators.AgentOperatorFactory;
import dev.moaflink.job.operators.AgentRoutes;
import dev.moaflink.job.operators.AgentSpec;
import dev.moaflink.job.operators.LevelCollector;
import dev.moaflink.job.operators.RouteQueries;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologySet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * queries ─► keyBy(query) router ─► agents L1 ─► collect L1 ─► agents L2 ─► collect L2 ─► ... ─► answers
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

    public static DataStream<AnswerRecord> answers(DataStream<QueryTask> queries, JobConfig config,
                                                   TopologySet topologies) {
        boolean fused = config.agent().layout() == JobConfig.Layout.FUSED;
        AgentRoutes routes = new AgentRoutes(fused);
        SingleOutputStreamOperator<?> stage = queries
                .keyBy(QueryTask::id, Types.STRING)
                .process(new RouteQueries(topologies, routes), TypeInformation.of(AgentCall.class))
                .name("router").uid("router");
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
                    .process(new LevelCollector(level, topologies, routes), TypeInformation.of(AnswerRecord.class))
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
        return all;
    }

    private static KeyedStream<AgentChunk, String> fusedAgents(SingleOutputStreamOperator<?> stage, AgentRoutes routes,
                                                               int level, Map<String, EngineSpec> engines,
                                                               JobConfig config) {
        AgentSpec spec = new AgentSpec(engines, level, "default", config.agent());
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
            AgentSpec spec = AgentSpec.single(e.getValue(), level, "default", config.agent());
            DataStream<AgentChunk> out = stage.getSideOutput(routes.tag(level, e.getKey()))
                    .transform("agent L" + level + " " + e.getKey(), TypeInformation.of(AgentChunk.class),
                            new AgentOperatorFactory(spec))
                    .uid("agent-L" + level + "-" + e.getKey());
            union = union == null ? out : union.union(out);
        }
        return union.keyBy(AgentChunk::queryId, Types.STRING);
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
