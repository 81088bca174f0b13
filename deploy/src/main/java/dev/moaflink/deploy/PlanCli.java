package dev.moaflink.deploy;

import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.io.JsonQueries;
import dev.moaflink.job.io.PromptTokens;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.scheduler.placement.ModelLoad;
import dev.moaflink.scheduler.placement.PlacementMetrics;
import dev.moaflink.scheduler.placement.PlacementPlans;
import dev.moaflink.scheduler.placement.PlacementProblem;
import dev.moaflink.scheduler.placement.PlacementSolution;
import dev.moaflink.scheduler.placement.PlacementSolver;
import dev.moaflink.scheduler.plan.Stage;
import dev.moaflink.scheduler.plan.Worker;
import dev.moaflink.scheduler.profile.CostProfile;
import dev.moaflink.scheduler.profile.CostProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * MOSAIC's offline setting: the whole batch is known in advance, so the placement comes from the dataset's own mix.
 * Each query of the input is validated and routed as the job would (its topology, the skill table, the default);
 * every node of its topology is a request to that node's model. With each model's cost profile, the scheduler places
 * replicas on the workers and writes the plan a batch run takes ({@code --placement plan.json}).
 * <pre>
 * deploy/plan.sh --input queries.jsonl --profile expert-small=instruct-4b --profile aggregator=instruct-8b ...
 *                --workers 4 --worker-type h100-80gb [--worker-memory-mb 80000] [--shares 8] [--solver-steps 200]
 *                --out plan.json [job flags, e.g. --config job.yaml]
 * </pre>
 * A profile is a bundled reference name ({@code instruct-4b, instruct-8b, instruct-32b, reasoning-8b, reasoning-32b})
 * or a file written by {@code deploy/profile.sh}.
 */
public final class PlanCli {

    static final String USAGE = """
            usage: deploy/plan.sh --input queries.jsonl --profile MODEL=PROFILE [--profile ...] --workers N
                                  --worker-type TYPE [--worker-memory-mb MB] [--shares 8] [--solver-steps 200]
                                  --out plan.json [--KEY VALUE job flags]

            A placement plan for a batch run from the dataset's own mix of topologies and models.
              --input PATH         JSON-lines queries, as batch mode reads them
              --profile M=P        model M's cost profile: a bundled name (instruct-4b, instruct-8b, instruct-32b,
                                   reasoning-8b, reasoning-32b) or a file from deploy/profile.sh; one per model
              --workers N          GPU workers (slot-sharing groups) named gpu-0 .. gpu-N-1
              --worker-type TYPE   the profiles' worker type (e.g. h100-80gb)
              --worker-memory-mb   memory per worker (default 80000)
              --shares N           request shares per model the solver moves (default 8)
              --solver-steps N     unimproved steps before the solver stops (default 200)
              --out FILE           the plan (then: --mode batch --placement FILE)
              --help               this text
            Other --KEY VALUE pairs are job configuration flags (--config job.yaml).
            """;

    private PlanCli() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        run(args);
    }

    static PlacementSolution run(String[] args) throws Exception {
        Map<String, String> own = new LinkedHashMap<>();
        Map<String, String> profiles = new TreeMap<>();
        List<String> jobFlags = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String key = args[i];
            String value = args[i + 1];
            switch (key) {
                case "--profile" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--profile takes MODEL=PROFILE, not " + value);
                    }
                    profiles.put(value.substring(0, eq), value.substring(eq + 1));
                }
                case "--input", "--workers", "--worker-type", "--worker-memory-mb", "--shares", "--solver-steps",
                     "--out" -> own.put(key.substring(2), value);
                default -> jobFlags.addAll(List.of(key, value));
            }
        }
        for (String required : List.of("input", "workers", "worker-type", "out")) {
            if (!own.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + " is required\n" + USAGE);
            }
        }
        JobConfig config = ConfigLoader.fromArgs(jobFlags.toArray(String[]::new));
        Demand demand = Demand.of(config, Files.readAllLines(Path.of(own.get("input"))));
        List<ModelLoad> loads = new ArrayList<>();
        for (Map.Entry<String, Long> e : demand.requests().entrySet()) {
            String model = e.getKey();
            String p = profiles.get(model);
            if (p == null) {
                throw new IllegalArgumentException("no --profile for model " + model + "; the dataset's topologies use "
                        + demand.requests().keySet());
            }
            CostProfile profile = CostProfiles.BUNDLED.contains(p) ? CostProfiles.bundled(p) : CostProfiles.read(Path.of(p));
            loads.add(new ModelLoad(model, demand.aggregators().contains(model) ? Stage.AGGREGATOR : Stage.EXPERT,
                    profile, e.getValue(), demand.promptTokens(model)));
        }
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < Integer.parseInt(own.get("workers")); i++) {
            workers.add(new Worker("gpu-" + i, own.get("worker-type"),
                    Long.parseLong(own.getOrDefault("worker-memory-mb", "80000"))));
        }
        PlacementSolution problem = PlacementProblem.of(workers, loads,
                Integer.parseInt(own.getOrDefault("shares", "8")));
        PlacementSolution best = new PlacementSolver(PlacementSolver.Settings.deterministic(
                Integer.parseInt(own.getOrDefault("solver-steps", "200")))).solve(problem);
        PlacementMetrics m = PlacementMetrics.of(best);
        PlacementPlans.of(best, Map.of("expert_makespan_s", m.expertMakespanS(),
                "aggregator_stage_s", m.aggregatorStageS())).write(Path.of(own.get("out")));
        System.out.printf(Locale.ROOT, "plan: %d queries, requests per model %s; %d workers; planned expert stage "
                        + "%.1f s, aggregator stage %.1f s, memory feasible %s; written to %s%n", demand.queries(),
                demand.requests(), workers.size(), m.expertMakespanS(), m.aggregatorStageS(), m.memoryFeasible(),
                own.get("out"));
        return best;
    }

    /**
     * Requests per model of a dataset as the job routes it, and their mean prompt tokens (an aggregator's prompt
     * counted as its query's, the responses not yet known).
     *
     * @param aggregators models serving some level above 1
     */
    record Demand(int queries, Map<String, Long> requests, Map<String, Double> promptTokenSums,
                  java.util.Set<String> aggregators) {

        static Demand of(JobConfig config, List<String> lines) {
            TopologySet topologies = ConfigValidator.topologies(config);
            QueryValidator validator = new QueryValidator(config.limits(), topologies.all().keySet(),
                    ConfigValidator.skillRouter(config));
            Map<String, Long> requests = new TreeMap<>();
            Map<String, Double> tokens = new TreeMap<>();
            java.util.Set<String> aggregators = new java.util.TreeSet<>();
            int n = 0;
            for (String line : lines) {
                if (line.isBlank()) {
                    continue;
                }
                QueryValidator.Outcome o = JsonQueries.parse(line, validator, 0);
                if (!o.accepted()) {
                    continue; // the job would dead-letter it
                }
                QueryTask q = o.query();
                n++;
                Topology t = topologies.all().get(q.topology());
                int prompt = PromptTokens.estimate(q.text(), q.choices() == null ? List.of() : List.of(q.choices()));
                for (int level = 1; level <= t.depth(); level++) {
                    for (TopologyNode node : t.level(level)) {
                        requests.merge(node.model(), 1L, Long::sum);
                        tokens.merge(node.model(), (double) prompt, Double::sum);
                        if (level > 1) {
                            aggregators.add(node.model());
                        }
                    }
                }
            }
            return new Demand(n, requests, tokens, aggregators);
        }

        double promptTokens(String model) {
            return promptTokenSums.get(model) / requests.get(model);
        }
    }
}
