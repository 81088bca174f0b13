package dev.moaflink.job.io;

import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.job.routing.SkillRouter;
import dev.moaflink.schema.TaskType;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * Checks a decoded query against the size limits and the served topologies, whatever format it came in,
 * and turns it into a {@link QueryTask} or a rejection that names the problem.
 */
public final class QueryValidator implements Serializable {

    private static final long serialVersionUID = 1L;

    private final JobConfig.Limits limits;
    private final Set<String> topologies;
    private final SkillRouter router;

    public QueryValidator(JobConfig.Limits limits, Set<String> topologies, String defaultTopology) {
        this(limits, topologies, new SkillRouter(java.util.List.of(), defaultTopology));
    }

    /** @param router picks the topology of queries that name none (skill table, then the default) */
    public QueryValidator(JobConfig.Limits limits, Set<String> topologies, SkillRouter router) {
        this.limits = limits;
        this.topologies = Set.copyOf(topologies);
        this.router = router;
    }

    /** The outcome: exactly one of {@code query} and {@code kind} is set. */
    public record Outcome(QueryTask query, RejectKind kind, String reason, String queryId) {
        static Outcome ok(QueryTask q) {
            return new Outcome(q, null, null, q.id());
        }

        public static Outcome reject(RejectKind kind, String reason, String queryId) {
            return new Outcome(null, kind, reason, queryId);
        }

        public boolean accepted() {
            return query != null;
        }
    }

    public Outcome validate(String id, String text, List<String> choices, TaskType taskType, String gold,
                            String topology, long submittedAtMs) {
        return validate(id, text, choices, taskType, gold, topology, null, submittedAtMs);
    }

    /**
     * @param profile a per-query engine profile override: this job defines none, so any value is rejected
     *                ({@link RejectKind#UNKNOWN_PROFILE}) rather than silently ignored
     */
    public Outcome validate(String id, String text, List<String> choices, TaskType taskType, String gold,
                            String topology, String profile, long submittedAtMs) {
        if (id == null || id.isBlank()) {
            return Outcome.reject(RejectKind.MISSING_FIELD, "query id is missing or blank", null);
        }
        if (id.length() > limits.maxIdChars()) {
            return Outcome.reject(RejectKind.FIELD_TOO_LARGE,
                    "query id has " + id.length() + " characters; the limit is " + limits.maxIdChars(), null);
        }
        if (text == null) {
            return Outcome.reject(RejectKind.MISSING_FIELD, "text is missing", id);
        }
        if (text.isBlank()) {
            return Outcome.reject(RejectKind.EMPTY_TEXT, "text is empty", id);
        }
        if (text.length() > limits.maxTextChars()) {
            return Outcome.reject(RejectKind.FIELD_TOO_LARGE,
                    "text has " + text.length() + " characters; the limit is " + limits.maxTextChars(), id);
        }
        if (taskType == null) {
            return Outcome.reject(RejectKind.MISSING_FIELD, "task_type is missing", id);
        }
        List<String> opts = choices == null ? List.of() : choices;
        if (opts.size() > limits.maxChoices()) {
            return Outcome.reject(RejectKind.FIELD_TOO_LARGE,
                    opts.size() + " choices; the limit is " + limits.maxChoices(), id);
        }
        if (taskType == TaskType.MULTIPLE_CHOICE && opts.size() < 2) {
            return Outcome.reject(RejectKind.BAD_CHOICES,
                    "a multiple_choice query needs at least 2 choices, has " + opts.size(), id);
        }
        for (int i = 0; i < opts.size(); i++) {
            String c = opts.get(i);
            if (c == null || c.isBlank()) {
                return Outcome.reject(RejectKind.BAD_CHOICES, "choice " + (i + 1) + " is empty", id);
            }
            if (c.length() > limits.maxChoiceChars()) {
                return Outcome.reject(RejectKind.FIELD_TOO_LARGE, "choice " + (i + 1) + " has " + c.length()
                        + " characters; the limit is " + limits.maxChoiceChars(), id);
            }
        }
        if (gold != null && gold.length() > limits.maxTextChars()) {
            return Outcome.reject(RejectKind.FIELD_TOO_LARGE, "gold answer exceeds " + limits.maxTextChars()
                    + " characters", id);
        }
        int tokens = PromptTokens.estimate(text, opts);
        if (tokens > limits.maxPromptTokens()) {
            return Outcome.reject(RejectKind.PROMPT_TOO_LONG, "the question is at least " + tokens
                    + " tokens (estimated); the limit is " + limits.maxPromptTokens() + " (limits.max_prompt_tokens)", id);
        }
        if (profile != null && !profile.isBlank()) {
            return Outcome.reject(RejectKind.UNKNOWN_PROFILE, "unknown engine profile '" + profile
                    + "'; this job defines no per-query profiles (leave the field null)", id);
        }
        String chosen = topology == null || topology.isBlank() ? router.topologyFor(text, taskType) : topology;
        if (!topologies.contains(chosen)) {
            return Outcome.reject(RejectKind.UNKNOWN_TOPOLOGY, "unknown topology '" + chosen + "'; this job serves "
                    + new java.util.TreeSet<>(topologies), id);
        }
        return Outcome.ok(new QueryTask(id, text, opts.toArray(String[]::new), taskType, gold, chosen, submittedAtMs));
    }
}
