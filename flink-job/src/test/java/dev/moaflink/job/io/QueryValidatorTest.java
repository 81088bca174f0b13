package dev.moaflink.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.TaskType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class QueryValidatorTest {

    private final QueryValidator v = new QueryValidator(new JobConfig.Limits(10, 50, 4, 20), Set.of("tree", "dense"),
            "tree");

    private RejectKind kind(String id, String text, List<String> choices, TaskType t, String topology) {
        QueryValidator.Outcome o = v.validate(id, text, choices, t, null, topology, 0);
        return o.kind();
    }

    @Test
    void acceptsAndFillsDefaultTopology() {
        QueryValidator.Outcome o = v.validate("q1", "2+2?", List.of(), TaskType.NUMERIC, "4", null, 5);
        assertTrue(o.accepted());
        assertEquals("tree", o.query().topology());
        assertEquals(5, o.query().submittedAtMs());
    }

    @Test
    void rejectsEachBadField() {
        assertEquals(RejectKind.MISSING_FIELD, kind(null, "t", List.of(), TaskType.FREE_TEXT, null));
        assertEquals(RejectKind.FIELD_TOO_LARGE, kind("x".repeat(11), "t", List.of(), TaskType.FREE_TEXT, null));
        assertEquals(RejectKind.EMPTY_TEXT, kind("q", "  ", List.of(), TaskType.FREE_TEXT, null));
        assertEquals(RejectKind.FIELD_TOO_LARGE, kind("q", "t".repeat(51), List.of(), TaskType.FREE_TEXT, null));
        assertEquals(RejectKind.BAD_CHOICES, kind("q", "t", List.of("only"), TaskType.MULTIPLE_CHOICE, null));
        assertEquals(RejectKind.BAD_CHOICES, kind("q", "t", List.of("a", " "), TaskType.MULTIPLE_CHOICE, null));
        assertEquals(RejectKind.FIELD_TOO_LARGE, kind("q", "t", List.of("a", "b", "c", "d", "e"),
                TaskType.MULTIPLE_CHOICE, null));
        assertEquals(RejectKind.FIELD_TOO_LARGE, kind("q", "t", List.of("a", "b".repeat(21)),
                TaskType.MULTIPLE_CHOICE, null));
        assertEquals(RejectKind.UNKNOWN_TOPOLOGY, kind("q", "t", List.of(), TaskType.FREE_TEXT, "star"));
        assertEquals(RejectKind.MISSING_FIELD, kind("q", "t", List.of(), null, null));
    }

    @Test
    void aQuestionOverTheTokenLimitIsRejectedAndItsSizeIsAnEstimatedLowerBound() {
        QueryValidator tight = new QueryValidator(new JobConfig.Limits(10, 10_000, 4, 100, 20, 0), Set.of("tree"), "tree");
        assertTrue(tight.validate("q", "what is 12345 + 6?", List.of(), TaskType.NUMERIC, null, null, 0).accepted());
        // 15 words + 2 choices of one word, each with its label and separator: 15 + 3 + 3
        QueryValidator.Outcome o = tight.validate("q", "word ".repeat(15), List.of("one", "two"),
                TaskType.MULTIPLE_CHOICE, null, null, 0);
        assertEquals(RejectKind.PROMPT_TOO_LONG, o.kind());
        assertTrue(o.reason().contains("at least 21 tokens") && o.reason().contains("max_prompt_tokens"), o.reason());
        // letters runs 1, digits 1 per 3, other symbols 1 each, spaces 0
        assertEquals(1 + 2 + 1 + 1, PromptTokens.count("what 12345 + 6"));
        assertEquals(2, PromptTokens.count("naïve café"));
    }

    @Test
    void aProfileOverrideIsRejectedNotIgnored() {
        QueryValidator.Outcome o = v.validate("q", "t", List.of(), TaskType.FREE_TEXT, null, null, "fast-gpus", 0);
        assertEquals(RejectKind.UNKNOWN_PROFILE, o.kind());
        assertTrue(o.reason().contains("'fast-gpus'"), o.reason());
        assertTrue(v.validate("q", "t", List.of(), TaskType.FREE_TEXT, null, null, null, 0).accepted());
    }

    @Test
    void reasonsNameTheProblem() {
        QueryValidator.Outcome o = v.validate("q", "t", List.of(), TaskType.FREE_TEXT, null, "star", 0);
        assertTrue(o.reason().contains("unknown topology 'star'"), o.reason());
        assertEquals("q", o.queryId());
    }
}
