package dev.moaflink.bench;

import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.job.agent.SessionOpener;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.Prompts;
import dev.moaflink.job.simulation.SimulationSeam;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The job's MoA tree driven straight on the engines, no Flink and no Kafka: every query of a batch submitted at once,
 * each node's session opened when its inputs are done, with the job's prompts, generation limit and engines. What the
 * batch job's throughput is held against (the batch benchmark's "engine only"). No overlap, early exit or bypass:
 * run it against a job configured without them.
 */
final class EngineOnlyMoa implements AutoCloseable {

    private final JobConfig config;
    private final Topology topology;
    private final Map<String, EngineRegistry.Lease> leases = new HashMap<>();
    private final Map<String, SessionOpener> openers = new HashMap<>();

    EngineOnlyMoa(JobConfig config) {
        this.config = config;
        this.topology = ConfigValidator.topologies(config).all().get(config.defaultTopology());
        for (TopologyNode n : nodes()) {
            leases.computeIfAbsent(n.model(), m -> EngineRegistry.global().acquire(
                    ConfigValidator.engineSpec(m, config.models().get(m))));
            openers.computeIfAbsent(n.model(), m -> SimulationSeam.opener(leases.get(m).engine()));
        }
    }

    /** Answers every query (all submitted at once); returns, per query, its submission and answer times (ms). */
    List<long[]> run(List<QueryTask> queries) {
        List<CompletableFuture<long[]>> answers = new ArrayList<>();
        for (QueryTask q : queries) {
            long submitted = System.currentTimeMillis();
            answers.add(answer(q, submitted).thenApply(text -> new long[] {submitted, System.currentTimeMillis()}));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    private CompletableFuture<String> answer(QueryTask q, long submitted) {
        Map<String, CompletableFuture<String>> outputs = new HashMap<>();
        for (int level = 1; level <= topology.depth(); level++) {
            for (TopologyNode n : topology.level(level)) {
                if (n.isLeaf()) {
                    outputs.put(n.id(), generate(n, q, Prompts.proposer(q), submitted));
                    continue;
                }
                List<CompletableFuture<String>> inputs = n.children().stream().map(outputs::get).toList();
                outputs.put(n.id(), CompletableFuture.allOf(inputs.toArray(CompletableFuture[]::new))
                        .thenCompose(done -> {
                            StringBuilder prompt = new StringBuilder(Prompts.aggregatorPrefix(q));
                            for (int i = 0; i < inputs.size(); i++) {
                                prompt.append(Prompts.responseSlot(i + 1, inputs.get(i).join()));
                            }
                            return generate(n, q, prompt.toString(), submitted);
                        }));
            }
        }
        return outputs.get(topology.root().id());
    }

    private CompletableFuture<String> generate(TopologyNode n, QueryTask q, String prompt, long submitted) {
        LlmEngine engine = leases.get(n.model()).engine();
        SessionRequest request = new SessionRequest(q.id() + "/" + n.id(), prompt,
                new PromptContext(q.id(), q.taskType(), q.choices() == null ? List.of() : Arrays.asList(q.choices())),
                n.isLeaf() ? SessionRequest.Role.PROPOSER : SessionRequest.Role.AGGREGATOR, n.level(), submitted);
        EngineSession session = openers.get(n.model()).open(engine, request, q);
        JobConfig.AgentSettings a = config.agent();
        GenerationParams params = new GenerationParams(a.maxTokens(), a.temperature(), a.topP(),
                a.seed() ^ request.requestId().hashCode(), List.of());
        return session.generate(params, token -> { }).whenComplete((g, e) -> session.close())
                .thenApply(g -> g.text());
    }

    private List<TopologyNode> nodes() {
        List<TopologyNode> all = new ArrayList<>();
        for (int level = 1; level <= topology.depth(); level++) {
            all.addAll(topology.level(level));
        }
        return all;
    }

    @Override
    public void close() {
        leases.values().forEach(EngineRegistry.Lease::close);
    }
}
