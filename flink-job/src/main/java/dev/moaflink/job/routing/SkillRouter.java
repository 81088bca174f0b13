package dev.moaflink.job.routing;

import dev.moaflink.schema.TaskType;
import java.io.Serializable;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Skill-based routing: picks the topology of a query that names none, from an ordered table of rules (task
 * type and/or a regular expression on the text → topology). A rule listing ranked experts is compiled into a
 * two-level tree over its first k experts and the routing aggregator, named {@code skill-<skill>}, so a query
 * goes to k of the N experts, the ones good at its skill. No rule matching: the default topology.
 */
public final class SkillRouter implements Serializable {

    private static final long serialVersionUID = 1L;

    /** One compiled rule; {@code taskType} and {@code text} null when the rule does not test them. */
    public record Rule(String skill, TaskType taskType, Pattern text, String topology) implements Serializable {

        boolean matches(String queryText, TaskType queryType) {
            return (taskType == null || taskType == queryType) && (text == null || text.matcher(queryText).find());
        }
    }

    private final Rule[] rules;
    private final String defaultTopology;

    public SkillRouter(List<Rule> rules, String defaultTopology) {
        this.rules = rules.toArray(Rule[]::new);
        this.defaultTopology = defaultTopology;
    }

    /** Name of the topology a rule compiles to when it lists experts. */
    public static String topologyName(String skill) {
        return "skill-" + skill;
    }

    public String topologyFor(String text, TaskType taskType) {
        for (Rule r : rules) {
            if (r.matches(text, taskType)) {
                return r.topology();
            }
        }
        return defaultTopology;
    }

    public List<Rule> rules() {
        return List.of(rules);
    }

    public String defaultTopology() {
        return defaultTopology;
    }
}
