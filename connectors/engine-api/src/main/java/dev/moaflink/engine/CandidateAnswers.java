package dev.moaflink.engine;

import dev.moaflink.schema.TaskType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads answers written on their own line as {@code Answer: X}, the convention simulated outputs end with, and
 * puts answers in a comparable (canonical) form. The simulated engine's aggregators use it to find the candidate
 * answers in their prompt; the job's answer extractor shares the number form.
 */
public final class CandidateAnswers {

    /** Starts an answer line (after optional spaces or tabs). */
    public static final String MARKER = "Answer:";

    /** Choice labels A..Z: more choices than letters cannot be written as one label. */
    public static final int MAX_CHOICES = 26;

    // Canonical numbers are written out in plain digits; a huge exponent would make that string huge.
    private static final int MAX_NUMBER_SCALE = 64;

    private CandidateAnswers() {}

    /** Every answer in {@code text}, trimmed, in order of appearance; lines with nothing after the marker are skipped. */
    public static List<String> in(String text) {
        List<String> answers = new ArrayList<>();
        int lineStart = 0;
        while (lineStart <= text.length()) {
            int lineEnd = text.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = text.length();
            }
            int i = lineStart;
            while (i < lineEnd && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
            if (text.startsWith(MARKER, i)) {
                String answer = text.substring(i + MARKER.length(), lineEnd).trim();
                if (!answer.isEmpty()) {
                    answers.add(answer);
                }
            }
            lineStart = lineEnd + 1;
        }
        return answers;
    }

    /** The answer of one output: its last answer line, or null when it has none (e.g. cut by max tokens). */
    public static String last(String output) {
        List<String> all = in(output);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /**
     * The comparable form of an answer, or null when it is not a valid answer for the task: a label within
     * {@code choices} ("b", "(B)", "B." all read as "B"), a plain decimal number ("1,000.50" reads as
     * "1000.5"), or text with runs of whitespace collapsed to one space.
     */
    public static String canonical(TaskType type, int choices, String raw) {
        if (raw == null) {
            return null;
        }
        return switch (type) {
            case MULTIPLE_CHOICE -> label(raw, choices);
            case NUMERIC -> number(raw);
            case FREE_TEXT -> text(raw);
        };
    }

    /** The label of the choice at {@code index}: A, B, ... */
    public static String label(int index) {
        if (index < 0 || index >= MAX_CHOICES) {
            throw new IllegalArgumentException("choice index must be in [0, " + MAX_CHOICES + "), was " + index);
        }
        return String.valueOf((char) ('A' + index));
    }

    private static String label(String raw, int choices) {
        String s = raw.trim();
        int from = s.startsWith("(") ? 1 : 0;
        int to = s.length();
        while (to > from && (s.charAt(to - 1) == ')' || s.charAt(to - 1) == '.')) {
            to--;
        }
        if (to - from != 1) {
            return null;
        }
        int index = Character.toUpperCase(s.charAt(from)) - 'A';
        return index >= 0 && index < Math.min(choices, MAX_CHOICES) ? label(index) : null;
    }

    private static String number(String raw) {
        String s = raw.trim().replace(",", "");
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (isPlainInteger(s)) {
            return s; // already canonical: the common case, without a BigDecimal
        }
        try {
            BigDecimal d = new BigDecimal(s).stripTrailingZeros();
            return Math.abs(d.scale()) > MAX_NUMBER_SCALE ? null : d.toPlainString();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Whether {@code s} is already a canonical number and an integer: an optional '-' and 1-18 digits without a
     * leading zero ("0" itself allowed; "-0" is not canonical). The job's answer extractor shares it.
     */
    public static boolean isPlainInteger(String s) {
        int n = s.length();
        int start = n > 0 && s.charAt(0) == '-' ? 1 : 0;
        int digits = n - start;
        if (digits < 1 || digits > 18 || (s.charAt(start) == '0' && (digits > 1 || start == 1))) {
            return false;
        }
        for (int i = start; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String text(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        boolean space = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (Character.isWhitespace(c)) {
                space = b.length() > 0;
            } else {
                if (space) {
                    b.append(' ');
                    space = false;
                }
                b.append(c);
            }
        }
        return b.length() == 0 ? null : b.toString();
    }
}
