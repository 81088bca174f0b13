package dev.moaflink.job;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Compiles the configured topologies into the agent part of the job graph:
 *
 * <pre>
 * queries ─► router ─► agent(L1, model)* ─► keyBy(query) collector L1 ─► agent(L2, model)* ─► ... ─► answers
 * </pre>
 *
 * One agent operator per (level, model) used at that level by any topology; the agent operators of a
 * level share one collector, which emits the next level's calls (side outputs, one per model) and the
 * answers of queries whose root is at this level. The graph is acyclic; its depth is the deepest topology.
 */
public final class MoaPipeline {

    private MoaPipeline() {}

    public static DataStream<AnswerRecord> answers(DataStream<QueryTask> queries, JobConfig config) {
        TopologySet topologies = ConfigValidator.topologies(config);
        SingleOutputStreamOperator<?> stage = queries
                .process(new RouteQueries(topologies), TypeInformation.of(AgentCall.class))
                .name("router").uid("router");
        List<DataStream<AnswerRecord>> answers = new ArrayList<>();
        for (int level = 1; level <= topologies.maxDepth(); level++) {
            List<DataStream<AgentChunk>> agentOutputs = new ArrayList<>();
            for (String model : modelsAt(topologies, level)) {
                AgentSpec spec = new AgentSpec(ConfigValidator.engineSpec(model, config.models().get(model)), level,
                        "default", config.agent());
                String name = "agent L" + level + " " + model;
                agentOutputs.add(stage.getSideOutput(AgentRoutes.tag(level, model))
                        .transform(name, TypeInformation.of(AgentChunk.class), new AgentOperatorFactory(spec))
                        .uid("agent-L" + level + "-" + model));
            }
            DataStream<AgentChunk> levelOutput = agentOutputs.get(0);
            for (int i = 1; i < agentOutputs.size(); i++) {
                levelOutput = levelOutput.union(agentOutputs.get(i));
            }
            SingleOutputStreamOperator<AnswerRecord> collector = levelOutput
                    .keyBy(AgentChunk::queryId, Types.STRING)
                    .process(new LevelCollector(level, topologies), TypeInformation.of(AnswerRecord.class))
                    .name("collect L" + level).uid("collect-L" + level);
            answers.add(collector);
            stage = collector;
        }
        DataStream<AnswerRecord> all = answers.get(0);
        for (int i = 1; i < answers.size(); i++) {
            all = all.union(answers.get(i));
        }
        return all;
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
