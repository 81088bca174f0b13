package dev.moaflink.job.prompt;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.schema.TaskType;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Pulls the final answer out of an agent's text and scores it against gold. Multiple choice: a label
 * (A, B, ...); numeric: a canonical decimal string; free text: the text after the last "Answer:".
 */
public final class AnswerExtractor {

    // The grammar of the hand-written scanners below (they run on every agent output), kept for the tests.
    static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?|-?\\.\\d+");
    static final Pattern LABEL = Pattern.compile("^\\(?([A-Za-z])\\)?(?:[).:,\\s]|$)");

    private AnswerExtractor() {}

    public static String label(int index) {
        return String.valueOf((char) ('A' + index));
    }

    /** The extracted answer, or null when none can be found. */
    public static String extract(String text, TaskType type, String[] choices) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String tail = lastAnswerClause(text);
        return switch (type) {
            case MULTIPLE_CHOICE -> choiceLabel(tail != null ? tail : text, choices, tail != null);
            case NUMERIC -> number(tail != null ? tail : text, tail != null);
            case FREE_TEXT -> tail == null ? null : normalizeText(tail);
        };
    }

    /** True/false against gold, or null when there is no gold. */
    public static Boolean score(String extracted, String gold, TaskType type, String[] choices) {
        if (gold == null || gold.isBlank()) {
            return null;
        }
        if (extracted == null) {
            return false;
        }
        return switch (type) {
            case MULTIPLE_CHOICE -> extracted.equalsIgnoreCase(goldLabel(gold, choices));
            case NUMERIC -> numericEquals(extracted, gold);
            case FREE_TEXT -> normalizeText(extracted).equals(normalizeText(gold));
        };
    }

    /**
     * The rest of the line after the last "answer" (any case), skipping an optional "is" and colon; null when
     * no "answer" is followed by anything. A hand-written scan: it runs on every agent output.
     */
    static String lastAnswerClause(String text) {
        for (int at = lastIndexOfIgnoreCase(text, "answer", text.length()); at >= 0;
             at = lastIndexOfIgnoreCase(text, "answer", at - 1)) {
            int i = skipSpaces(text, at + 6);
            if (text.regionMatches(true, i, "is", 0, 2)) {
                i = skipSpaces(text, i + 2);
            }
            if (i < text.length() && (text.charAt(i) == ':' || text.charAt(i) == '：')) {
                i = skipSpaces(text, i + 1);
            }
            int end = text.indexOf('\n', i);
            String clause = text.substring(i, end < 0 ? text.length() : end).strip();
            if (!clause.isEmpty()) {
                return clause;
            }
        }
        return null;
    }

    private static int lastIndexOfIgnoreCase(String text, String word, int from) {
        for (int i = Math.min(from, text.length() - word.length()); i >= 0; i--) {
            if (text.regionMatches(true, i, word, 0, word.length())) {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && s.charAt(i) != '\n' && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String choiceLabel(String s, String[] choices, boolean fromAnswerClause) {
        int n = choices == null ? 0 : choices.length;
        if (fromAnswerClause) {
            char letter = leadingLabel(s.strip());
            if (letter != 0) {
                int idx = Character.toUpperCase(letter) - 'A';
                if (idx >= 0 && idx < n) {
                    return label(idx);
                }
            }
        }
        // Otherwise accept an answer that quotes one choice's text exactly (longest match wins).
        String lower = s.toLowerCase(Locale.ROOT);
        int best = -1;
        for (int i = 0; i < n; i++) {
            String c = choices[i].toLowerCase(Locale.ROOT).strip();
            if (!c.isEmpty() && lower.contains(c) && (best < 0 || c.length() > choices[best].length())) {
                best = i;
            }
        }
        return best < 0 ? null : label(best);
    }

    /** The letter {@link #LABEL} matches at the start of {@code s} (its group 1), or 0 when it does not match. */
    static char leadingLabel(String s) {
        int i = !s.isEmpty() && s.charAt(0) == '(' ? 1 : 0;
        if (i >= s.length() || !isAsciiLetter(s.charAt(i))) {
            return 0;
        }
        int next = i + 1;
        // An optional ')' and then one of [).:,\s] or the end: ')' is itself in that class, so this is the same.
        if (next == s.length()) {
            return s.charAt(i);
        }
        char c = s.charAt(next);
        boolean ok = c == ')' || c == '.' || c == ':' || c == ',' || c == ' ' || c == '\t' || c == '\n'
                || c == '\u000B' || c == '\f' || c == '\r';
        // '$' also matches before a line terminator that ends the input (strip leaves U+0085 in place).
        ok |= next == s.length() - 1 && (c == '\u0085' || c == '\u2028' || c == '\u2029');
        return ok ? s.charAt(i) : 0;
    }

    private static String number(String s, boolean fromAnswerClause) {
        String found = numberMatch(s, !fromAnswerClause); // the first number after "Answer:" is the answer
        return found == null ? null : canonicalNumber(found);
    }

    /** The first (or last) match of {@link #NUMBER} in {@code s}, scanned as {@code Matcher.find} would; null if none. */
    static String numberMatch(String s, boolean last) {
        int n = s.length();
        int foundAt = -1;
        int foundEnd = -1;
        int i = 0;
        while (i < n) {
            int j = s.charAt(i) == '-' ? i + 1 : i;
            int end = -1;
            if (j < n && isAsciiDigit(s.charAt(j))) {
                int k = j + 1;
                while (k < n && (isAsciiDigit(s.charAt(k)) || s.charAt(k) == ',')) {
                    k++;
                }
                if (k + 1 < n && s.charAt(k) == '.' && isAsciiDigit(s.charAt(k + 1))) {
                    k += 2;
                    while (k < n && isAsciiDigit(s.charAt(k))) {
                        k++;
                    }
                }
                end = k;
            } else if (j + 1 < n && s.charAt(j) == '.' && isAsciiDigit(s.charAt(j + 1))) {
                int k = j + 2;
                while (k < n && isAsciiDigit(s.charAt(k))) {
                    k++;
                }
                end = k;
            }
            if (end < 0) {
                i++;
                continue;
            }
            foundAt = i;
            foundEnd = end;
            if (!last) {
                break;
            }
            i = end;
        }
        return foundAt < 0 ? null : s.substring(foundAt, foundEnd);
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    /** "1,234.50" → "1234.5"; null if not a number. */
    public static String canonicalNumber(String s) {
        if (CandidateAnswers.isPlainInteger(s)) {
            return s; // already canonical: the common case, without a BigDecimal
        }
        try {
            BigDecimal d = new BigDecimal(s.replace(",", "").strip()).stripTrailingZeros();
            return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean numericEquals(String extracted, String gold) {
        String g = canonicalNumber(gold);
        String e = canonicalNumber(extracted);
        return g != null && e != null && g.equals(e); // canonical forms are unique per value
    }

    /** Gold may be a label (A), a 1-based index (ARC uses 1–4) or the choice text. */
    private static String goldLabel(String gold, String[] choices) {
        String g = gold.strip();
        int n = choices == null ? 0 : choices.length;
        if (g.length() == 1 && Character.isLetter(g.charAt(0))) {
            return g.toUpperCase(Locale.ROOT);
        }
        if (g.matches("\\d+")) {
            int idx = Integer.parseInt(g) - 1;
            if (idx >= 0 && idx < n) {
                return label(idx);
            }
        }
        for (int i = 0; i < n; i++) {
            if (choices[i].strip().equalsIgnoreCase(g)) {
                return label(i);
            }
        }
        return g;
    }

    private static String normalizeText(String s) {
        return s.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s]+", " ").replaceAll("[.!?]+$", "");
    }
}
