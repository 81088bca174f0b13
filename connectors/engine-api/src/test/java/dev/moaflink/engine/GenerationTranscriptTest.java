package dev.moaflink.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class GenerationTranscriptTest {

    private static GenerationTranscript transcript(int maxTokens, String... stops) {
        return new GenerationTranscript(new GenerationParams(maxTokens, 0, 1, 0, List.of(stops)));
    }

    @Test
    void aStopSequenceSpreadOverTokensEndsTheGenerationAtTheTokenThatCompletesIt() {
        GenerationTranscript t = transcript(100, "Answer:");
        assertFalse(t.add("so the An", -0.5));
        assertFalse(t.add("sw", -0.25));
        assertTrue(t.add("er: B", -0.25), "completed inside this token");
        assertEquals("so the Answer: B", t.text(), "the text keeps the token the listener already saw");
        assertEquals(3, t.tokens());
        assertEquals(-1.0, t.sumLogProb(), 1e-12);
    }

    @Test
    void maxTokensFillsTheTranscriptAndEmptyStopsAreIgnored() {
        GenerationTranscript t = transcript(2, "");
        assertFalse(t.add("a", 0));
        assertFalse(t.full());
        assertFalse(t.add("b", 0), "an empty stop sequence would end every generation at once");
        assertTrue(t.full());
        assertEquals(2, t.length());
    }

    @Test
    void unknownLogProbsMakeTheSumUnknown() {
        GenerationTranscript t = transcript(10);
        t.add("x", Double.NaN);
        assertTrue(Double.isNaN(t.sumLogProb()));
    }
}
