package dev.moaflink.job.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.moaflink.engine.GenerationParams;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.job.topology.LevelSampling;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A call samples as its topology's level says, else as the agent settings say, with a seed of its own per node. */
@Timeout(10)
class CallSamplingTest {

    private final JobConfig.AgentSettings settings = ConfigLoader.fromArgs().agent();
    private final CallSampling sampling = new CallSampling(settings, Map.of("self", new LevelSampling(0.7, null)));

    @Test
    void theTopologysLevelSettingWinsAndUnsetFieldsComeFromTheAgentSettings() {
        GenerationParams self = sampling.params(Fixtures.leafCall(Fixtures.query("q1", "self"), "L1.0", "a"));
        assertEquals(0.7, self.temperature());
        assertEquals(settings.topP(), self.topP());
        assertEquals(settings.maxTokens(), self.maxTokens());
        GenerationParams tree = sampling.params(Fixtures.leafCall(Fixtures.query("q1", "tree"), "L1.0", "a"));
        assertEquals(settings.temperature(), tree.temperature());
    }

    @Test
    void copiesOfAModelGetSeedsOfTheirOwnThatARunAgainKeeps() {
        long l10 = sampling.params(Fixtures.leafCall(Fixtures.query("q1", "self"), "L1.0", "a")).seed();
        long l11 = sampling.params(Fixtures.leafCall(Fixtures.query("q1", "self"), "L1.1", "a")).seed();
        long other = sampling.params(Fixtures.leafCall(Fixtures.query("q2", "self"), "L1.0", "a")).seed();
        assertNotEquals(l10, l11, "two nodes of a query");
        assertNotEquals(l10, other, "one node of two queries");
        assertEquals(l10, sampling.params(Fixtures.leafCall(Fixtures.query("q1", "self"), "L1.0", "a")).seed(),
                "a call run again (after a restore) samples the same tokens");
    }
}
