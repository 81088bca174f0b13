package dev.moaflink.job.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** The hand-written scanners match exactly what the regular expressions they replace match. */
class AnswerExtractorScannerTest {

    private static final String ALPHABET = "0123456789-.,:;() \t\n\r\u000B\f\u0085\u2028AbBzZé٣x";

    @Test
    void numberScannerAgreesWithTheRegex() {
        Random r = new Random(42);
        for (int t = 0; t < 200_000; t++) {
            String s = random(r);
            assertEquals(regexNumber(s, false), AnswerExtractor.numberMatch(s, false), () -> "first in " + quoted(s));
            assertEquals(regexNumber(s, true), AnswerExtractor.numberMatch(s, true), () -> "last in " + quoted(s));
        }
        for (String s : new String[] {"", "-", "-.", ".5", "-.5", "1,000.50", "-1,2,.3", "12.", "x-3.14y 7", "1..2",
            "--5", "3.-4", ",5", "1.2.3"}) {
            assertEquals(regexNumber(s, false), AnswerExtractor.numberMatch(s, false), s);
            assertEquals(regexNumber(s, true), AnswerExtractor.numberMatch(s, true), s);
        }
    }

    @Test
    void labelScannerAgreesWithTheRegex() {
        Random r = new Random(7);
        for (int t = 0; t < 200_000; t++) {
            String s = random(r);
            assertEquals(regexLabel(s), AnswerExtractor.leadingLabel(s), () -> quoted(s));
            String stripped = s.strip();
            assertEquals(regexLabel(stripped), AnswerExtractor.leadingLabel(stripped), () -> quoted(stripped));
        }
        for (String s : new String[] {"", "(", "A", "(A", "(A)", "A)", "A).", "a:", "B,", "Bc", "(B)x", "A\u0085",
            "A)\u0085", "A\u0085x", "A\u2028", "é", "1"}) {
            assertEquals(regexLabel(s), AnswerExtractor.leadingLabel(s), s);
        }
    }

    private static String random(Random r) {
        int n = r.nextInt(12);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static String regexNumber(String s, boolean last) {
        Matcher m = AnswerExtractor.NUMBER.matcher(s);
        String found = null;
        while (m.find()) {
            found = m.group();
            if (!last) {
                break;
            }
        }
        return found;
    }

    private static char regexLabel(String s) {
        Matcher m = AnswerExtractor.LABEL.matcher(s);
        return m.find() ? m.group(1).charAt(0) : 0;
    }

    private static String quoted(String s) {
        return s.chars().mapToObj(c -> String.format("\\u%04x", c)).reduce("", String::concat);
    }
}
