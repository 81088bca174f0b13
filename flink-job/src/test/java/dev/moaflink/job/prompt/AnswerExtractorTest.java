package dev.moaflink.job.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.moaflink.schema.TaskType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AnswerExtractorTest {

    private static final String[] ABCD = {"red", "green", "blue", "dark blue"};

    @Test
    void multipleChoiceFromAnswerLine() {
        assertEquals("C", AnswerExtractor.extract("Thinking... Answer: C", TaskType.MULTIPLE_CHOICE, ABCD));
        assertEquals("B", AnswerExtractor.extract("answer is (b).", TaskType.MULTIPLE_CHOICE, ABCD));
        assertEquals("D", AnswerExtractor.extract("Answer: A?\nno wait. Answer: D", TaskType.MULTIPLE_CHOICE, ABCD),
                "the last answer line wins");
        assertNull(AnswerExtractor.extract("Answer: F", TaskType.MULTIPLE_CHOICE, ABCD), "F is not a choice");
    }

    @Test
    void multipleChoiceFromQuotedChoiceText() {
        assertEquals("D", AnswerExtractor.extract("It must be dark blue.", TaskType.MULTIPLE_CHOICE, ABCD),
                "longest matching choice wins over its substring 'blue'");
        assertEquals("B", AnswerExtractor.extract("Answer: 'green'", TaskType.MULTIPLE_CHOICE, ABCD),
                "the bundled word expert quotes the choice it means");
        String[] glosses = {"a body of water", "a large body of water"};
        assertEquals("B", AnswerExtractor.extract("Answer: 'a large body of water'", TaskType.MULTIPLE_CHOICE,
                glosses), "a quoted gloss starting with 'a' is not label A, nor the shorter gloss inside it");
    }

    @Test
    void anAbstentionExtractsNothing() {
        // The bundled experts' answer to a question outside their skills: votes, bypass and early exit count no answer.
        String abstain = "Not my field. Answer: ?";
        assertNull(AnswerExtractor.extract(abstain, TaskType.MULTIPLE_CHOICE, ABCD));
        assertNull(AnswerExtractor.extract(abstain, TaskType.NUMERIC, null));
        assertEquals(false, AnswerExtractor.score(null, "C", TaskType.MULTIPLE_CHOICE, ABCD));
    }

    @Test
    void numeric() {
        assertEquals("1234.5", AnswerExtractor.extract("So 1,234.50 total. Answer: 1,234.50", TaskType.NUMERIC, null));
        assertEquals("-3", AnswerExtractor.extract("we get 2 then -3", TaskType.NUMERIC, null));
        assertEquals("42", AnswerExtractor.extract("Answer: 42 apples (not 7)", TaskType.NUMERIC, null));
        assertNull(AnswerExtractor.extract("no idea", TaskType.NUMERIC, null));
    }

    @Test
    void scoring() {
        assertEquals(true, AnswerExtractor.score("B", "B", TaskType.MULTIPLE_CHOICE, ABCD));
        assertEquals(true, AnswerExtractor.score("B", "2", TaskType.MULTIPLE_CHOICE, ABCD), "1-based gold index");
        assertEquals(true, AnswerExtractor.score("C", "blue", TaskType.MULTIPLE_CHOICE, ABCD), "gold as choice text");
        assertEquals(false, AnswerExtractor.score("A", "B", TaskType.MULTIPLE_CHOICE, ABCD));
        assertEquals(true, AnswerExtractor.score("18", "18.0", TaskType.NUMERIC, null));
        assertEquals(false, AnswerExtractor.score(null, "18", TaskType.NUMERIC, null));
        assertEquals(true, AnswerExtractor.score("0", "-0", TaskType.NUMERIC, null));
        assertEquals(true, AnswerExtractor.score("100", "1e2", TaskType.NUMERIC, null));
        assertEquals(false, AnswerExtractor.score("10", "100", TaskType.NUMERIC, null));
    }

    @Test
    void canonicalNumbersAgreeOnBothPaths() {
        assertEquals("0", AnswerExtractor.canonicalNumber("-0"));
        assertEquals("7", AnswerExtractor.canonicalNumber("007"));
        assertEquals("100", AnswerExtractor.canonicalNumber("100"));
        assertEquals("100", AnswerExtractor.canonicalNumber("1.00E+2"));
        assertEquals("-12", AnswerExtractor.canonicalNumber("-12"));
        assertEquals("1234567890123456789", AnswerExtractor.canonicalNumber("1,234,567,890,123,456,789"));
        assertNull(AnswerExtractor.canonicalNumber("-"));
        assertNull(AnswerExtractor.score("18", null, TaskType.NUMERIC, null));
        assertEquals(true, AnswerExtractor.score("Paris.", "paris", TaskType.FREE_TEXT, null));
    }
}
