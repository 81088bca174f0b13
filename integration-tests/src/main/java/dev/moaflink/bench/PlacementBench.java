package dev.moaflink.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.moaflink.engine.sim.VirtualWorkers;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.scheduler.placement.Baselines;
import dev.moaflink.scheduler.placement.ModelLoad;
import dev.moaflink.scheduler.placement.PlacementMetrics;
import dev.moaflink.scheduler.placement.PlacementPlans;
import dev.moaflink.scheduler.placement.PlacementProblem;
import dev.moaflink.scheduler.placement.PlacementSolution;
import dev.moaflink.scheduler.placement.PlacementSolver;
import dev.moaflink.scheduler.plan.PlacementPlan;
import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import dev.moaflink.scheduler.profile.CostProfile;
import dev.moaflink.scheduler.profile.CostProfiles;
import dev.moaflink.schema.Query;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * MOSAIC-like placement: six experts (two heavy reasoning models with ~3000-token outputs, four light instruct
 * models with ~200), each query sent to k = 3 of them by skill, demand skewed ~90x between the busiest and the
 * idlest expert, one aggregator, 2,000 queries, four GPU workers.
 *
 * <p>Three placements (round-robin, data-parallel, OptaPlanner) are each written as a placement plan and run
 * through the real job graph (batch mode on a MiniCluster: skill router, one operator per replica in its
 * worker's slot-sharing group, plan-weighted replica choice, collectors) with the simulated engine in virtual
 * time: every replica on a worker books its requests' modelled cost (reference cost profiles; lognormal output
 * lengths) on that worker's virtual GPU. The expert-stage makespan is the busiest worker's expert time, the
 * aggregator stage the busiest worker's aggregator time, end to end their sum (stages run one after the other,
 * as in MOSAIC). The lower bound is total expert work ÷ workers (homogeneous workers; a single request is far
 * shorter). Also times the solver alone on 16 models x 8 workers.
 */
final class PlacementBench implements Bench.Runner {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** An expert: its model name, the reference profile it uses. */
    private record Expert(String name, String profile) {}

    /** A skill: its share of the queries and the k experts that answer it, best first. */
    private record Skill(String name, int queries, List<String> experts) {}

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        int queries = o.integer("queries", 2000);
        int workers = o.integer("workers", 4);
        int shares = o.integer("shares", 16);
        long memoryMb = o.integer("worker-memory-mb", 80_000);
        String workerType = o.string("worker-type", "h100-80gb");
        int solverSteps = o.integer("solver-steps", 200);
        int bigLimitMs = o.integer("big-limit-ms", 1900);
        String only = o.string("only", "rr,dp,opt");

        List<Expert> experts = List.of(new Expert("reasoning-8b-a", "reasoning-8b"),
                new Expert("reasoning-8b-b", "reasoning-8b"), new Expert("instruct-8b", "instruct-8b"),
                new Expert("instruct-4b", "instruct-4b"), new Expert("instruct-8b-b", "instruct-8b"),
                new Expert("instruct-4b-b", "instruct-4b"));
        Expert aggregator = new Expert("aggregator", "instruct-8b");
        List<Skill> skills = skills(queries);
        Map<String, Long> demand = new LinkedHashMap<>();
        experts.forEach(e -> demand.put(e.name(), 0L));
        for (Skill s : skills) {
            s.experts().forEach(e -> demand.merge(e, (long) s.queries(), Long::sum));
        }
        long maxDemand = Collections.max(demand.values());
        long minDemand = Collections.min(demand.values());

        // The placement problem, from the profiles and the routing statistics.
        List<Worker> cluster = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            cluster.add(new Worker("gpu-" + i, workerType, memoryMb));
        }
        double proposerPromptTokens = 60;
        double aggregatorPromptTokens = 60;
        for (Skill s : skills) {
            for (String e : s.experts()) {
                aggregatorPromptTokens += (double) s.queries() / queries * profile(experts, e).output().mean();
            }
        }
        List<ModelLoad> loads = new ArrayList<>();
        for (Expert e : experts) {
            loads.add(new ModelLoad(e.name(), Stage.EXPERT, CostProfiles.bundled(e.profile()), demand.get(e.name()),
                    proposerPromptTokens));
        }
        loads.add(new ModelLoad(aggregator.name(), Stage.AGGREGATOR, CostProfiles.bundled(aggregator.profile()),
                queries, aggregatorPromptTokens));
        PlacementSolution problem = PlacementProblem.of(cluster, loads, shares);
        double plannedLowerBound = PlacementProblem.expertLowerBoundSeconds(problem);

        PlacementSolver solver = new PlacementSolver(PlacementSolver.Settings.deterministic(solverSteps));
        Map<String, PlacementSolution> variants = new LinkedHashMap<>();
        variants.put("rr", solver.score(Baselines.roundRobin(problem)));
        variants.put("dp", solver.score(Baselines.dataParallel(problem)));
        long t0 = System.nanoTime();
        variants.put("opt", solver.solve(problem));
        long solveMs = (System.nanoTime() - t0) / 1_000_000;

        Path dir = Path.of(System.getProperty("moa.repo.root", ".")).resolve("target/bench/placement");
        Files.createDirectories(dir);
        Path input = dir.resolve("queries.jsonl");
        writeQueries(input, skills, queries);

        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (Map.Entry<String, PlacementSolution> v : variants.entrySet()) {
            PlacementMetrics planned = PlacementMetrics.of(v.getValue());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("planned_expert_makespan_s", round(planned.expertMakespanS()));
            r.put("planned_aggregator_stage_s", round(planned.aggregatorStageS()));
            r.put("memory_feasible", planned.memoryFeasible());
            r.put("replicas", planned.replicas());
            Path plan = dir.resolve("plan-" + v.getKey() + ".json");
            PlacementPlans.of(v.getValue(), Map.of("expert_makespan_s", round(planned.expertMakespanS()),
                    "aggregator_stage_s", round(planned.aggregatorStageS()))).write(plan);
            if (List.of(only.split(",")).contains(v.getKey())) {
                System.err.printf("placement: running %s through the job graph%n", v.getKey());
                r.putAll(runJob(dir, v.getKey(), input, plan, experts, aggregator, skills, workerType, o));
            }
            results.put(v.getKey(), r);
        }

        // The solver alone at 16 models x 8 workers, with the serving settings' clock rule tightened to 2 s.
        PlacementSolution big = large(workerType, memoryMb, shares);
        PlacementSolver fast = new PlacementSolver(new PlacementSolver.Settings(Duration.ofMillis(500),
                Duration.ofMillis(bigLimitMs), null, 42, false));
        long t1 = System.nanoTime();
        PlacementSolution bigSolved = fast.solve(big);
        long solveBigMs = (System.nanoTime() - t1) / 1_000_000;
        PlacementMetrics bigOpt = PlacementMetrics.of(bigSolved);
        PlacementMetrics bigRr = PlacementMetrics.of(Baselines.roundRobin(big));
        double bigLb = PlacementProblem.expertLowerBoundSeconds(big);

        return report(results, demand, maxDemand, minDemand, skills, plannedLowerBound, solveMs, solveBigMs, bigOpt,
                bigRr, bigLb, queries, workers, workerType, shares, solverSteps, experts);
    }

    /** Skills and their query counts: demand per expert from ~1 980 (instruct-8b) down to ~22 (instruct-4b-b). */
    private static List<Skill> skills(int queries) {
        int trivia = Math.max(1, Math.round(queries * 0.011f));
        int logic = Math.round(queries * 0.139f);
        int code = Math.round(queries * 0.25f);
        int math = queries - trivia - logic - code;
        return List.of(new Skill("math", math, List.of("reasoning-8b-a", "instruct-8b", "instruct-4b")),
                new Skill("code", code, List.of("reasoning-8b-a", "instruct-8b-b", "instruct-8b")),
                new Skill("logic", logic, List.of("reasoning-8b-b", "instruct-8b", "instruct-4b")),
                new Skill("trivia", trivia, List.of("instruct-4b-b", "instruct-4b", "instruct-8b-b")));
    }

    private static CostProfile profile(List<Expert> experts, String name) {
        return CostProfiles.bundled(experts.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow()
                .profile());
    }

    private static void writeQueries(Path file, List<Skill> skills, int n) throws Exception {
        List<String> tags = new ArrayList<>();
        for (Skill s : skills) {
            for (int i = 0; i < s.queries(); i++) {
                tags.add(s.name());
            }
        }
        Collections.shuffle(tags, new Random(7));
        List<Query> qs = SyntheticQueries.generate(n, 17, "pl-");
        List<Query> tagged = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Query q = qs.get(i);
            tagged.add(Query.newBuilder(q).setText("[" + tags.get(i) + "] " + q.getText()).build());
        }
        dev.moaflink.deploy.QueryFiles.write(file, tagged);
    }

    /** Runs the batch job with a plan; returns the measured stage times from the workers' virtual clocks. */
    private static Map<String, Object> runJob(Path dir, String name, Path input, Path plan, List<Expert> experts,
                                              Expert aggregator, List<Skill> skills, String workerType,
                                              Bench.Options o) throws Exception {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("mode", "batch");
        cfg.put("job_name", "placement-" + name);
        cfg.put("parallelism", 1);
        cfg.put("batch", Map.of("input", input.toString(), "output", dir.resolve("answers-" + name + ".jsonl")
                .toString()));
        cfg.put("agent", Map.of("chunk_tokens", 0, "max_tokens", 65536, "capacity", 4096, "timeout_ms", 3_600_000));
        Map<String, Object> models = new LinkedHashMap<>();
        List<Expert> all = new ArrayList<>(experts);
        all.add(aggregator);
        int seed = 1;
        for (Expert e : all) {
            CostProfile p = CostProfiles.bundled(e.profile());
            CostProfile.Throughput t = p.throughput(workerType);
            Map<String, Object> opts = new LinkedHashMap<>();
            opts.put("time", "virtual");
            opts.put("prefill_tps", String.valueOf(t.prefillTps()));
            opts.put("decode_tps", String.valueOf(t.decodeTps()));
            opts.put("overhead_ms", String.valueOf(p.overheadMs()));
            double mean = e == aggregator ? 300 : p.output().mean();
            double p95 = e == aggregator ? 700 : p.output().p95();
            opts.put("output_mean_tokens", String.valueOf(mean));
            opts.put("output_p95_tokens", String.valueOf(p95));
            opts.put("seed", String.valueOf(seed++));
            models.put(e.name(), Map.of("backend", "sim", "options", opts));
        }
        cfg.put("models", models);
        Skill first = skills.get(0);
        cfg.put("topologies", Map.of("direct", Map.of("kind", "tree", "fan_in", 3, "depth", 2,
                "models", List.of(first.experts(), List.of(aggregator.name())))));
        cfg.put("default_topology", "direct");
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Skill s : skills) {
            rules.add(Map.of("skill", s.name(), "text_matches", "^\\[" + s.name() + "\\]", "experts", s.experts()));
        }
        // Live queue depth would only reflect this JVM's thread timing here (the virtual GPUs' backlog is not a
        // queue the router sees), so the run follows the plan's weights exactly, as an offline batch would.
        cfg.put("routing", Map.of("k", 3, "aggregator", aggregator.name(), "skills", rules,
                "placement", plan.toString(), "queue_slack", 1_000_000_000));
        Path cfgFile = dir.resolve("job-" + name + ".yaml");
        YAML.writeValue(cfgFile.toFile(), cfg);

        JobConfig config = ConfigLoader.fromArgs("--config", cfgFile.toString());
        Configuration conf = BenchFlink.configuration(config);
        conf.setString("taskmanager.numberOfTaskSlots", "8");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        MoaJob.build(env, config);
        VirtualWorkers.reset();
        long t0 = System.nanoTime();
        env.execute(config.jobName());
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long answers = Files.lines(dir.resolve("answers-" + name + ".jsonl")).count();

        Map<String, Map<String, VirtualWorkers.Booking>> busy = VirtualWorkers.bookings();
        double expertMakespan = 0;
        double aggregatorStage = 0;
        double expertTotal = 0;
        Map<String, Double> expertPerWorker = new LinkedHashMap<>();
        Map<String, Map<String, Long>> requests = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, VirtualWorkers.Booking>> w : busy.entrySet()) {
            double ex = 0;
            double ag = 0;
            for (Map.Entry<String, VirtualWorkers.Booking> m : w.getValue().entrySet()) {
                requests.computeIfAbsent(w.getKey(), k -> new LinkedHashMap<>()).put(m.getKey(), m.getValue().requests());
                if (m.getKey().equals(aggregator.name())) {
                    ag += m.getValue().busyMs() / 1000;
                } else {
                    ex += m.getValue().busyMs() / 1000;
                }
            }
            expertPerWorker.put(w.getKey(), round(ex));
            expertMakespan = Math.max(expertMakespan, ex);
            aggregatorStage = Math.max(aggregatorStage, ag);
            expertTotal += ex;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("expert_makespan_s", round(expertMakespan));
        r.put("aggregator_stage_s", round(aggregatorStage));
        r.put("end_to_end_s", round(expertMakespan + aggregatorStage));
        r.put("expert_work_s", round(expertTotal));
        r.put("expert_s_per_worker", expertPerWorker);
        r.put("requests", requests);
        r.put("answers", answers);
        r.put("job_wall_ms", wallMs);
        return r;
    }

    /** 16 models (4 heavy, 12 light, skewed demand) on 8 workers, for the solver's wall time. */
    private static PlacementSolution large(String workerType, long memoryMb, int shares) {
        List<Worker> ws = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ws.add(new Worker("gpu-" + i, workerType, memoryMb));
        }
        String[] profiles = {"reasoning-8b", "instruct-8b", "instruct-4b", "instruct-8b"};
        List<ModelLoad> ms = new ArrayList<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 16; i++) {
            String p = i < 4 ? "reasoning-8b" : profiles[1 + i % 3];
            long requests = Math.max(10, Math.round(2000 * Math.pow(0.75, i) * (0.5 + rnd.nextDouble())));
            ms.add(new ModelLoad("m" + i, i == 15 ? Stage.AGGREGATOR : Stage.EXPERT, CostProfiles.bundled(p),
                    i == 15 ? 4000 : requests, i == 15 ? 2000 : 60));
        }
        return PlacementProblem.of(ws, ms, shares);
    }

    private static BenchReport report(Map<String, Map<String, Object>> results, Map<String, Long> demand, long maxDemand,
                                      long minDemand, List<Skill> skills, double plannedLb, long solveMs,
                                      long solveBigMs, PlacementMetrics bigOpt, PlacementMetrics bigRr, double bigLb,
                                      int queries, int workers, String workerType, int shares, int steps,
                                      List<Expert> experts) throws Exception {
        BenchReport r = new BenchReport("placement");
        Map<String, Object> rr = results.get("rr");
        Map<String, Object> dp = results.get("dp");
        Map<String, Object> opt = results.get("opt");
        boolean ran = opt.containsKey("expert_makespan_s") && rr.containsKey("expert_makespan_s");
        double rrMs = ran ? (double) rr.get("expert_makespan_s") : (double) rr.get("planned_expert_makespan_s");
        double optMs = ran ? (double) opt.get("expert_makespan_s") : (double) opt.get("planned_expert_makespan_s");
        double dpMs = dp.containsKey("expert_makespan_s") ? (double) dp.get("expert_makespan_s")
                : (double) dp.get("planned_expert_makespan_s");
        double lb = ran ? Math.max((double) opt.get("expert_work_s") / workers, 0) : plannedLb;
        double rrE2e = ran ? (double) rr.get("end_to_end_s") : 0;
        double optE2e = ran ? (double) opt.get("end_to_end_s") : 0;
        r.put("engine", "simulated (virtual time; reference cost profiles, not measurements)");
        r.put("queries", queries).put("workers", workers).put("worker_type", workerType).put("k", 3);
        r.put("demand_per_expert", demand).put("demand_skew", round((double) maxDemand / minDemand));
        r.put("rr_makespan_s", round(rrMs)).put("dp_makespan_s", round(dpMs)).put("opt_makespan_s", round(optMs));
        r.put("lower_bound_s", round(lb));
        r.put("gap_to_lower_bound", round(optMs / lb));
        r.put("planned_lower_bound_s", round(plannedLb));
        r.put("planned_opt_makespan_s", opt.get("planned_expert_makespan_s"));
        r.put("planned_gap_to_lower_bound", round((double) opt.get("planned_expert_makespan_s") / plannedLb));
        r.put("speedup_vs_rr", round(rrMs / optMs));
        r.put("speedup_vs_dp", round(dpMs / optMs));
        r.put("e2e_speedup_vs_rr", ran ? round(rrE2e / optE2e) : null);
        r.put("solve_ms", solveMs).put("solver_steps_unimproved", steps).put("shares_per_model", shares);
        r.put("solve_ms_16x8", solveBigMs);
        r.put("opt_16x8_vs_rr", round(bigRr.expertMakespanS() / bigOpt.expertMakespanS()));
        r.put("opt_16x8_gap_to_lower_bound", round(bigOpt.expertMakespanS() / bigLb));
        r.put("variants", results);

        StringBuilder md = new StringBuilder();
        md.append("# placement benchmark\n\n");
        md.append("**Simulated engine in virtual time** (cost figures from the bundled reference profiles, which are "
                + "roofline estimates, not measurements), run through the real job graph on a Flink MiniCluster: "
                + "skill router, one operator per replica in its worker's slot-sharing group, plan-weighted replica "
                + "choice (plan weights only: in virtual time the live queues are not the modelled GPUs' backlog). ")
                .append(queries).append(" queries, k = 3 of ").append(experts.size())
                .append(" experts, ").append(workers).append(" x ").append(workerType).append(".\n\n");
        md.append("Skills (query share → experts): ");
        for (Skill s : skills) {
            md.append(s.name()).append(" ").append(s.queries()).append(" → ").append(s.experts()).append("; ");
        }
        md.append("\n\nDemand per expert: ").append(demand).append(" (skew ").append(round((double) maxDemand / minDemand))
                .append("x).\n\n");
        md.append("| placement | expert stage (s) | aggregator stage (s) | end to end (s) | planned expert stage (s) "
                + "| vs round-robin |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Map<String, Object>> e : results.entrySet()) {
            Map<String, Object> v = e.getValue();
            Object ex = v.getOrDefault("expert_makespan_s", "not run");
            md.append("| ").append(label(e.getKey())).append(" | ").append(ex).append(" | ")
                    .append(v.getOrDefault("aggregator_stage_s", "")).append(" | ")
                    .append(v.getOrDefault("end_to_end_s", "")).append(" | ")
                    .append(v.get("planned_expert_makespan_s")).append(" | ")
                    .append(ex instanceof Double d ? round(rrMs / d) + "x" : "").append(" |\n");
        }
        md.append("\nLower bound (total expert work ÷ workers): ").append(round(lb)).append(" s; OptaPlanner's "
                + "expert stage is ").append(round(optMs / lb)).append("x of it (planned: ")
                .append(round((double) opt.get("planned_expert_makespan_s") / plannedLb)).append("x of the planned "
                + "bound ").append(round(plannedLb)).append(" s). Expert stage ").append(round(rrMs / optMs))
                .append("x faster than round-robin, ").append(round(dpMs / optMs)).append("x than data-parallel");
        if (ran) {
            md.append("; end to end ").append(round(rrE2e / optE2e)).append("x faster than round-robin");
        }
        md.append(".\n\nSolver: ").append(solveMs).append(" ms for this workload (").append(steps)
                .append(" unimproved steps, ").append(shares).append(" shares per model); ").append(solveBigMs)
                .append(" ms for 16 models x 8 workers (stops 0.5 s after its last improvement), which lands at ")
                .append(round(bigOpt.expertMakespanS() / bigLb)).append("x its lower bound, ")
                .append(round(bigRr.expertMakespanS() / bigOpt.expertMakespanS())).append("x faster than round-robin.\n\n");
        md.append("Replicas (model → worker → planned requests), OptaPlanner: ").append(opt.get("replicas")).append("\n\n");
        md.append("Plans and the job configurations: target/bench/placement/.\n");
        PlacementChart.write(results, lb, workers, workerType);
        md.append("\nChart: `target/bench/placement.png` (expert stage per plan, as run and as planned, and the "
                + "aggregator stage, against the lower bound).\n");
        r.md(md.toString());
        return r;
    }

    /** A plan's name in reports: rr, dp, opt. */
    static String label(String key) {
        return switch (key) {
            case "rr" -> "round-robin";
            case "dp" -> "data-parallel";
            default -> "OptaPlanner";
        };
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
