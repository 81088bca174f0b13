package dev.moaflink.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.moaflink.schema.TaskType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CandidateAnswersTest {

    @Test
    void findsAnswerLinesInOrder() {
        String prompt = "Synthesise these responses.\n1. so it is red\nAnswer: B\n"
                + "2. hmm\n  Answer:   C  \n3. The Answer: D is not on its own line\nAnswer:\nAnswer: B";
        assertEquals(List.of("B", "C", "B"), CandidateAnswers.in(prompt));
    }

    @Test
    void lastIsTheAnswerOfOneOutput() {
        assertEquals("42", CandidateAnswers.last("first Answer: 1\nthinking\nAnswer: 41\nAnswer: 42"));
        assertNull(CandidateAnswers.last("cut before the answer"));
    }

    @Test
    void canonicalLabels() {
        assertEquals("B", CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, 4, " b "));
        assertEquals("B", CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, 4, "(B)"));
        assertEquals("D", CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, 4, "D."));
        assertNull(CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, 4, "E"));
        assertNull(CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, 4, "red"));
        assertNull(CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, 4, null));
    }

    @Test
    void canonicalNumbers() {
        assertEquals("1000.5", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "1,000.50"));
        assertEquals("42", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "42.0"));
        assertEquals("-3", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "-3."));
        assertEquals("0", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "0.000"));
        assertNull(CandidateAnswers.canonical(TaskType.NUMERIC, 0, "forty-two"));
        // the plain-integer fast path and the BigDecimal path agree at their borders
        assertEquals("0", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "-0"));
        assertEquals("7", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "007"));
        assertEquals("100", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "100"));
        assertEquals("-120", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "-120"));
        assertEquals("1234567890123456789", CandidateAnswers.canonical(TaskType.NUMERIC, 0, "1234567890123456789"));
        assertNull(CandidateAnswers.canonical(TaskType.NUMERIC, 0, "1e999999"));
    }

    @Test
    void canonicalTextCollapsesWhitespace() {
        assertEquals("New York", CandidateAnswers.canonical(TaskType.FREE_TEXT, 0, "  New \t York\n"));
        assertNull(CandidateAnswers.canonical(TaskType.FREE_TEXT, 0, "   "));
    }

    @Test
    void labels() {
        assertEquals("A", CandidateAnswers.label(0));
        assertEquals("Z", CandidateAnswers.label(25));
        assertThrows(IllegalArgumentException.class, () -> CandidateAnswers.label(26));
    }
}
