package dev.moaflink.job;

import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.backchannel.BackchannelFactory;
import dev.moaflink.job.backchannel.ClusterBackchannel;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.dedup.DuplicateIds;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.EngineClock;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.operators.CollectorOperatorFactory;
import dev.moaflink.job.operators.LevelCollector;
import dev.moaflink.job.operators.RouteQueries;
import dev.moaflink.job.routing.AgentRoutes;
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
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
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

    /**
     * The pipeline with the cluster backchannel: stops reach agents in the collector's JVM directly and agents on
     * other TaskManagers through the operators' coordinators ({@code mechanisms.stop_path}).
     */
    public static Outputs build(DataStream<QueryTask> queries, JobConfig config, TopologySet topologies) {
        return build(queries, config, topologies,
                ClusterBackchannel.factory(config.mechanisms().stopPath() == JobConfig.StopPath.COORDINATOR));
    }

    /** @param backchannels where the job's operators meet against the dataflow (stops, queue depth) */
    public static Outputs build(DataStream<QueryTask> queries, JobConfig config, TopologySet topologies,
                                BackchannelFactory backchannels) {
        EngineClock clock = ConfigValidator.clock(config);
        PlacementPlan plan = ConfigValidator.placement(config);
        Replicas replicas = plan == null ? Replicas.none()
                : Replicas.of(plan, config.routing().gpusPerWorker(), config.routing().queueSlack());
        // A plan puts each model's replicas on named workers, which needs one operator per (level, model, replica).
        boolean fused = config.agent().layout() == JobConfig.Layout.FUSED && !replicas.placed();
        AgentRoutes routes = new AgentRoutes(fused, replicas);
        DuplicateIds.Filtered accepted = DuplicateIds.filter(queries.keyBy(QueryTask::id, Types.STRING),
                config.limits());
        SingleOutputStreamOperator<AgentCall> router = accepted.accepted()
                .process(new RouteQueries(topologies, routes, backchannels), TypeInformation.of(AgentCall.class))
                .name("router").uid("router");
        coLocate(router, fused);
        SingleOutputStreamOperator<?> stage = router;
        List<DataStream<AnswerRecord>> answers = new ArrayList<>();
        for (int level = 1; level <= topologies.maxDepth(); level++) {
            Map<String, EngineSpec> engines = new LinkedHashMap<>();
            for (String model : modelsAt(topologies, level)) {
                engines.put(model, ConfigValidator.engineSpec(model, config.models().get(model)));
            }
            AgentOperators agents = new AgentOperators(stage, routes, level, config, backchannels);
            KeyedStream<AgentChunk, String> chunks = fused ? agents.fused(engines) : agents.perModel(engines);
            SingleOutputStreamOperator<AnswerRecord> collector = chunks
                    .transform("collect L" + level, TypeInformation.of(AnswerRecord.class),
                            new CollectorOperatorFactory(new LevelCollector(level, topologies, routes,
                                    config.mechanisms(), clock, backchannels)))
                    .uid("collect-L" + level);
            coLocate(collector, fused);
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

    /**
     * Puts the router and the collectors of each subtask index in one slot of the default slot-sharing group (not a
     * placed worker's, which a collector would otherwise inherit from agents all on one worker), so that a query's
     * router and collectors share a JVM and count the calls in flight to each replica there (the backchannel's queue
     * depth). Fused, they are one chained task already.
     */
    private static void coLocate(SingleOutputStreamOperator<?> op, boolean fused) {
        if (!fused) {
            op.slotSharingGroup("default");
            op.getTransformation().setCoLocationGroupKey("moa-query-path");
        }
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
