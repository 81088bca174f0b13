package dev.moaflink.job.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.config.ConfigException;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.ConfigValidator;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.io.QueryValidator;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologySet;
import dev.moaflink.schema.TaskType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class SkillRoutingTest {

    private static final String TABLE = "[{skill: numbers, task_type: numeric, experts: [expert-large, expert-small,"
            + " expert-medium, expert-small]}, {skill: words, text_matches: '^(Which word|What does)',"
            + " topology: dense-9-9-1}]";

    private static JobConfig config(String table, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--preset", "sim", "--routing.skills", table));
        args.addAll(List.of(more));
        return ConfigLoader.fromArgs(args.toArray(String[]::new));
    }

    @Test
    void aRuleListingExpertsBecomesATreeOverItsFirstKExperts() {
        JobConfig c = config(TABLE, "--routing.k", "2");
        TopologySet topologies = ConfigValidator.topologies(c);
        Topology t = topologies.get("skill-numbers");
        assertEquals(2, t.depth());
        assertEquals(List.of("expert-large", "expert-small"), t.leaves().stream().map(n -> n.model()).toList());
        assertEquals(List.of("aggregator"), t.modelsAt(2).stream().toList());
    }

    @Test
    void queriesNamingNoTopologyAreRoutedByTheFirstMatchingRule() {
        JobConfig c = config(TABLE);
        TopologySet topologies = ConfigValidator.topologies(c);
        QueryValidator v = new QueryValidator(c.limits(), topologies.all().keySet(), ConfigValidator.skillRouter(c));
        assertEquals("skill-numbers", v.validate("q1", "What is 2 + 3?", List.of(), TaskType.NUMERIC, null, null, 0)
                .query().topology());
        assertEquals("dense-9-9-1", v.validate("q2", "Which word means: a human being?", List.of("person", "dog"),
                TaskType.MULTIPLE_CHOICE, null, null, 0).query().topology());
        assertEquals("tree-9-3-1", v.validate("q3", "Which number is larger?", List.of("1", "2"),
                TaskType.MULTIPLE_CHOICE, null, "", 0).query().topology(), "no rule matches: the default");
        assertEquals("tree-9-3-1", v.validate("q4", "What is 2 + 3?", List.of(), TaskType.NUMERIC, null,
                "tree-9-3-1", 0).query().topology(), "a topology the query names wins");
    }

    @Test
    void badRulesAreNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("[{skill: a, experts: [nope, expert-small,"
                + " expert-large]}, {skill: b, topology: dense-9-9-1, experts: [expert-small]},"
                + " {skill: c, text_matches: '([', topology: dense-9-9-1}, {skill: d, task_type: essay,"
                + " topology: dense-9-9-1}, {skill: e, topology: no-such-topology}]"));
        String m = e.getMessage();
        assertTrue(m.contains("unknown model 'nope'") || m.contains("nope"), m);
        assertTrue(m.contains("skill 'b': give either 'topology' or 'experts'"), m);
        assertTrue(m.contains("skill 'c': text_matches is not a regular expression"), m);
        assertTrue(m.contains("skill 'd': task_type must be"), m);
        ConfigException few = assertThrows(ConfigException.class,
                () -> config("[{skill: a, experts: [expert-small]}]"));
        assertTrue(few.getMessage().contains("lists 1 experts; routing.k is 3"), few.getMessage());
        ConfigException topo = assertThrows(ConfigException.class,
                () -> config("[{skill: e, topology: no-such-topology}]"));
        assertTrue(topo.getMessage().contains("unknown topology 'no-such-topology'"), topo.getMessage());
    }

    @Test
    void aMissingOrInvalidPlacementPlanIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromArgs("--preset", "sim", "--placement", "/no/such/plan.json"));
        assertTrue(e.getMessage().contains("routing.placement") && e.getMessage().contains("/no/such/plan.json"),
                e.getMessage());
    }
}
