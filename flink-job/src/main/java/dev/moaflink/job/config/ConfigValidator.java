package dev.moaflink.job.config;

import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.job.model.EngineClock;
import dev.moaflink.job.routing.SkillRouter;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyCompiler;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.job.topology.TopologySpec;
import dev.moaflink.scheduler.plan.PlacementPlan;
import dev.moaflink.schema.TaskType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Checks a bound configuration once, at submission, and reports every problem it finds together. */
public final class ConfigValidator {

    private ConfigValidator() {}

    private static void checkEarlyExit(List<String> problems, JobConfig.EarlyExit e) {
        if (e == null) {
            problems.add("section 'mechanisms.early_exit' is missing");
            return;
        }
        require(problems, e.tau() > 0 && e.tau() <= 1, "mechanisms.early_exit.tau must be in (0, 1], was " + e.tau());
        require(problems, e.threshold() >= 0 && e.threshold() <= 1,
                "mechanisms.early_exit.threshold must be in [0, 1], was " + e.threshold());
        require(problems, e.minFinished() >= 1,
                "mechanisms.early_exit.min_finished must be >= 1, was " + e.minFinished());
        require(problems, e.similarity() != null, "mechanisms.early_exit.similarity must be auto, answer or embedding");
        require(problems, !e.enabled() || e.similarity() == JobConfig.Similarity.ANSWER || notBlank(e.embedder()),
                "mechanisms.early_exit.embedder is needed unless similarity is 'answer'");
    }

    public static void validate(JobConfig c) {
        List<String> problems = new ArrayList<>();
        require(problems, c.mode() != null, "mode must be streaming or batch");
        require(problems, c.parallelism() == null || c.parallelism() >= 1,
                "parallelism must be >= 1, was " + c.parallelism());
        require(problems, c.bufferTimeoutMs() == null || c.bufferTimeoutMs() >= -1,
                "buffer_timeout_ms must be >= 0 (or -1: flush only full buffers), was " + c.bufferTimeoutMs());
        checkAgent(problems, c.agent());
        checkLimits(problems, c.limits());
        if (c.mechanisms() == null) {
            problems.add("section 'mechanisms' is missing");
        } else {
            double t = c.mechanisms().bypassThreshold();
            require(problems, t >= 0 && t <= 1, "mechanisms.bypass_threshold must be in [0, 1] (0 = off), was " + t);
            checkEarlyExit(problems, c.mechanisms().earlyExit());
            require(problems, !c.mechanisms().overlap() || c.agent() == null || c.agent().chunkTokens() > 0,
                    "mechanisms.overlap needs streamed chunks: agent.chunk_tokens must be > 0");
        }
        if (c.mode() == JobConfig.Mode.STREAMING) {
            checkKafka(problems, c.kafka(), c.checkpointIntervalMs());
            require(problems, c.checkpointIntervalMs() == null || c.checkpointIntervalMs() >= 0,
                    "checkpoint_interval_ms must be >= 0 (0: off)");
            require(problems, c.checkpointTimeoutMs() == null || c.checkpointTimeoutMs() >= 10,
                    "checkpoint_timeout_ms must be >= 10");
            require(problems, c.checkpointTolerableFailures() == null || c.checkpointTolerableFailures() >= 0,
                    "checkpoint_tolerable_failures must be >= 0");
        } else if (c.mode() == JobConfig.Mode.BATCH) {
            JobConfig.BatchSettings b = c.batch();
            require(problems, b != null && notBlank(b.input()), "batch.input (JSON-lines queries: a file, directory or glob) is missing");
            require(problems, b != null && notBlank(b.output()), "batch.output (the run's output directory) is missing");
        }
        if (c.models() == null || c.models().isEmpty()) {
            problems.add("no models are defined (section 'models')");
        } else {
            c.models().forEach((name, m) -> checkModel(problems, name, m));
        }
        checkRouting(problems, c);
        if (problems.isEmpty()) {
            try {
                clock(c);
                topologies(c);
                skillRouter(c);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    /**
     * The clock the job's agents run in, from what each configured model's engine will be ({@code EngineFactory
     * describe}, nothing loaded).
     *
     * @throws IllegalArgumentException when virtual-time and real-time engines are mixed
     */
    public static EngineClock clock(JobConfig c) {
        List<EngineInfo> engines = new ArrayList<>();
        c.models().forEach((name, m) -> engines.add(EngineRegistry.global().describe(engineSpec(name, m))));
        try {
            return EngineClock.of(engines);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("models: " + e.getMessage());
        }
    }

    /** Compiles every configured topology. */
    public static TopologySet topologies(JobConfig c) {
        if (c.topologies() == null || c.topologies().isEmpty()) {
            throw new IllegalArgumentException("no topologies are defined (section 'topologies')");
        }
        Map<String, Topology> compiled = new LinkedHashMap<>();
        for (Map.Entry<String, TopologySpec> e : c.topologies().entrySet()) {
            compiled.put(e.getKey(), TopologyCompiler.compile(e.getKey(), e.getValue(), c.models().keySet()));
        }
        JobConfig.Routing r = c.routing();
        if (r != null) {
            for (JobConfig.SkillRule rule : r.skillRules()) {
                if (rule.experts() == null || rule.experts().isEmpty()) {
                    continue;
                }
                String name = SkillRouter.topologyName(rule.skill());
                if (compiled.containsKey(name)) {
                    throw new IllegalArgumentException("routing skill '" + rule.skill() + "' compiles to topology '"
                            + name + "', which is already defined");
                }
                if (rule.experts().size() < r.k()) {
                    throw new IllegalArgumentException("routing skill '" + rule.skill() + "' lists "
                            + rule.experts().size() + " experts; routing.k is " + r.k());
                }
                TopologySpec tree = new TopologySpec(TopologySpec.Kind.TREE, r.k(), 2,
                        List.of(List.copyOf(rule.experts().subList(0, r.k())), List.of(r.aggregator())), null);
                compiled.put(name, TopologyCompiler.compile(name, tree, c.models().keySet()));
            }
        }
        if (c.defaultTopology() == null || !compiled.containsKey(c.defaultTopology())) {
            throw new IllegalArgumentException("default_topology '" + c.defaultTopology()
                    + "' is not one of the defined topologies " + compiled.keySet());
        }
        return new TopologySet(compiled, c.defaultTopology());
    }

    /** The skill table, compiled; every rule's topology exists in {@link #topologies}. */
    public static SkillRouter skillRouter(JobConfig c) {
        List<SkillRouter.Rule> rules = new ArrayList<>();
        JobConfig.Routing r = c.routing();
        Set<String> known = topologies(c).all().keySet();
        for (JobConfig.SkillRule rule : r == null ? List.<JobConfig.SkillRule>of() : r.skillRules()) {
            TaskType type = rule.taskType() == null ? null : taskType(rule.taskType());
            Pattern text = rule.textMatches() == null ? null : Pattern.compile(rule.textMatches());
            String topology = rule.topology() != null ? rule.topology() : SkillRouter.topologyName(rule.skill());
            if (!known.contains(topology)) {
                throw new IllegalArgumentException("routing skill '" + rule.skill() + "': unknown topology '"
                        + topology + "'; defined: " + known);
            }
            rules.add(new SkillRouter.Rule(rule.skill(), type, text, topology));
        }
        return new SkillRouter(rules, c.defaultTopology());
    }

    private static TaskType taskType(String name) {
        return TaskType.valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    /** The placement plan named by {@code routing.placement}, or null. */
    public static PlacementPlan placement(JobConfig c) {
        String file = c.routing() == null ? null : c.routing().placement();
        return notBlank(file) ? PlacementPlan.read(Path.of(file)) : null;
    }

    private static void checkRouting(List<String> problems, JobConfig c) {
        JobConfig.Routing r = c.routing();
        if (r == null) {
            problems.add("section 'routing' is missing");
            return;
        }
        require(problems, r.k() >= 1, "routing.k must be >= 1, was " + r.k());
        require(problems, r.queueSlack() >= 0, "routing.queue_slack must be >= 0, was " + r.queueSlack());
        require(problems, r.gpusPerWorker() >= 0, "routing.gpus_per_worker must be >= 0, was " + r.gpusPerWorker());
        Set<String> skills = new HashSet<>();
        for (JobConfig.SkillRule rule : r.skillRules()) {
            String s = rule == null ? null : rule.skill();
            if (!notBlank(s) || !s.matches("[A-Za-z0-9_.-]+")) {
                problems.add("routing.skills: every rule needs a 'skill' name of letters, digits, '_', '.', '-'; was "
                        + s);
                continue;
            }
            require(problems, skills.add(s), "routing.skills: skill '" + s + "' is defined twice");
            boolean hasExperts = rule.experts() != null && !rule.experts().isEmpty();
            require(problems, hasExperts != (rule.topology() != null),
                    "routing skill '" + s + "': give either 'topology' or 'experts', not both or neither");
            if (hasExperts && c.models() != null) {
                for (String m : rule.experts()) {
                    require(problems, c.models().containsKey(m), "routing skill '" + s + "': unknown model '" + m
                            + "'; known models: " + new java.util.TreeSet<>(c.models().keySet()));
                }
            }
            if (!hasExperts && rule.topology() != null && c.topologies() != null) {
                require(problems, c.topologies().containsKey(rule.topology()), "routing skill '" + s
                        + "': unknown topology '" + rule.topology() + "'; defined: " + c.topologies().keySet());
            }
            if (hasExperts) {
                require(problems, notBlank(r.aggregator()) && c.models() != null
                        && c.models().containsKey(r.aggregator()), "routing skill '" + s
                        + "' lists experts, so routing.aggregator must name a defined model, was " + r.aggregator());
            }
            if (rule.taskType() != null) {
                try {
                    taskType(rule.taskType());
                } catch (IllegalArgumentException e) {
                    problems.add("routing skill '" + s + "': task_type must be multiple_choice, numeric or free_text,"
                            + " was '" + rule.taskType() + "'");
                }
            }
            if (rule.textMatches() != null) {
                try {
                    Pattern.compile(rule.textMatches());
                } catch (PatternSyntaxException e) {
                    problems.add("routing skill '" + s + "': text_matches is not a regular expression: "
                            + e.getDescription());
                }
            }
        }
        if (notBlank(r.placement())) {
            try {
                PlacementPlan plan = PlacementPlan.read(Path.of(r.placement()));
                if (c.models() != null) {
                    for (String m : plan.models().keySet()) {
                        require(problems, c.models().containsKey(m), "placement plan " + r.placement()
                                + " places model '" + m + "', which the job does not define");
                    }
                }
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                problems.add("routing.placement: " + e.getMessage());
            }
        }
    }

    public static EngineSpec engineSpec(String model, JobConfig.ModelSettings m) {
        return new EngineSpec(m.backend(), model, m.options() == null ? Map.of() : m.options());
    }

    private static void checkModel(List<String> problems, String name, JobConfig.ModelSettings m) {
        if (m == null || !notBlank(m.backend())) {
            problems.add("model '" + name + "': backend is missing (e.g. sim)");
            return;
        }
        try {
            EngineRegistry.global().validate(engineSpec(name, m));
        } catch (IllegalArgumentException e) {
            problems.add("model '" + name + "': " + e.getMessage());
        }
    }

    private static void checkAgent(List<String> problems, JobConfig.AgentSettings a) {
        if (a == null) {
            problems.add("section 'agent' is missing");
            return;
        }
        require(problems, a.capacity() >= 1, "agent.capacity must be >= 1, was " + a.capacity());
        require(problems, a.timeoutMs() >= 1, "agent.timeout_ms must be >= 1, was " + a.timeoutMs());
        require(problems, a.retries() >= 0 && a.retries() <= 10, "agent.retries must be in [0, 10], was " + a.retries());
        require(problems, a.retryBackoffMs() >= 0 && a.retryBackoffMs() <= 60_000,
                "agent.retry_backoff_ms must be in [0, 60000], was " + a.retryBackoffMs());
        require(problems, a.chunkTokens() >= 0, "agent.chunk_tokens must be >= 0, was " + a.chunkTokens());
        require(problems, a.maxTokens() >= 1, "agent.max_tokens must be >= 1, was " + a.maxTokens());
        require(problems, a.temperature() >= 0, "agent.temperature must be >= 0, was " + a.temperature());
        require(problems, a.topP() > 0 && a.topP() <= 1, "agent.top_p must be in (0, 1], was " + a.topP());
        require(problems, a.layout() != null, "agent.layout must be fused or per_model");
    }

    private static void checkLimits(List<String> problems, JobConfig.Limits l) {
        if (l == null) {
            problems.add("section 'limits' is missing");
            return;
        }
        require(problems, l.maxIdChars() >= 1, "limits.max_id_chars must be >= 1");
        require(problems, l.maxTextChars() >= 1, "limits.max_text_chars must be >= 1");
        require(problems, l.maxChoices() >= 2 && l.maxChoices() <= 26, "limits.max_choices must be in [2, 26]");
        require(problems, l.maxChoiceChars() >= 1, "limits.max_choice_chars must be >= 1");
        require(problems, l.maxPromptTokens() >= 1, "limits.max_prompt_tokens must be >= 1");
        require(problems, l.duplicateWindowMs() >= 0, "limits.duplicate_window_ms must be >= 0 (0: no check)");
        require(problems, l.duplicateState() != null, "limits.duplicate_state must be compact or per_id");
    }

    /** @param checkpointMs the job's explicit checkpoint interval, or null (Flink's; checked when the job is built) */
    private static void checkKafka(List<String> problems, JobConfig.KafkaSettings k, Long checkpointMs) {
        if (k == null) {
            problems.add("section 'kafka' is missing");
            return;
        }
        require(problems, notBlank(k.bootstrapServers()), "kafka.bootstrap_servers is missing");
        require(problems, notBlank(k.queriesTopic()), "kafka.queries_topic is missing");
        require(problems, notBlank(k.answersTopic()), "kafka.answers_topic is missing");
        require(problems, notBlank(k.deadLetterTopic()), "kafka.dead_letter_topic is missing");
        require(problems, notBlank(k.groupId()), "kafka.group_id is missing");
        require(problems, k.delivery() != null, "kafka.delivery must be exactly_once or at_least_once");
        require(problems, k.startingOffsets() != null, "kafka.starting_offsets must be earliest, latest or committed");
        require(problems, k.format() != null, "kafka.format must be avro, json or registry-avro");
        if (k.delivery() == JobConfig.Delivery.EXACTLY_ONCE) {
            require(problems, notBlank(k.transactionalIdPrefix()),
                    "kafka.transactional_id_prefix is required for exactly_once delivery");
            if (checkpointMs != null) {
                require(problems, checkpointMs > 0, "checkpoint_interval_ms must be > 0 for exactly_once delivery"
                        + " (answers commit at checkpoints)");
                require(problems, k.transactionTimeoutMs() > checkpointMs,
                        "kafka.transaction_timeout_ms (" + k.transactionTimeoutMs()
                                + ") must exceed checkpoint_interval_ms (" + checkpointMs + ")");
            }
        }
    }

    private static void require(List<String> problems, boolean ok, String problem) {
        if (!ok) {
            problems.add(problem);
        }
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
