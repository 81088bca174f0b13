package dev.moaflink.job.io;

import java.util.List;

/**
 * Estimates a question's size in tokens without a tokenizer, as a lower bound of what common BPE tokenizers give:
 * a run of letters counts one, digits one per up to three (Llama and Qwen split every digit, GPT-style tokenizers
 * group up to three), every other non-space character one. Used to reject oversized questions before they reach an
 * engine; the engine still refuses a prompt over its own context.
 */
public final class PromptTokens {

    private PromptTokens() {}

    public static int estimate(String text, List<String> choices) {
        int n = count(text);
        if (choices != null) {
            for (String c : choices) {
                n += count(c) + 2; // label and separator
            }
        }
        return n;
    }

    static int count(String s) {
        if (s == null) {
            return 0;
        }
        int n = 0;
        int i = 0;
        int len = s.length();
        while (i < len) {
            int cp = s.codePointAt(i);
            if (Character.isLetter(cp)) {
                n++;
                while (i < len && Character.isLetter(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
            } else if (Character.isDigit(cp)) {
                int digits = 0;
                while (i < len && Character.isDigit(s.codePointAt(i))) {
                    digits++;
                    i += Character.charCount(s.codePointAt(i));
                }
                n += (digits + 2) / 3;
            } else {
                if (!Character.isWhitespace(cp)) {
                    n++;
                }
                i += Character.charCount(cp);
            }
        }
        return n;
    }
}
