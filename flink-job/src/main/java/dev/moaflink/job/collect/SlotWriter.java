package dev.moaflink.job.collect;

/**
 * Writes one input into its numbered response slot piece by piece while the input is still being generated, so
 * that the pieces add up to exactly {@code Prompts.responseSlot(n, text)} of the finished text: {@code "n. "} when
 * the first non-blank character arrives (an input that never has one gets no slot and no number), then the text
 * with leading and trailing whitespace held back (trailing whitespace is written only once more text follows it),
 * then a newline when the input is done.
 */
public final class SlotWriter {

    private SlotWriter() {}

    /**
     * The next piece of the slot being filled.
     *
     * @param state    {consumed, numbered}: characters of this input consumed (-1: slot not started), and slots
     *                 numbered so far in this prompt; updated in place
     * @param text     the input's text so far
     * @param done     the input has finished: close its slot
     * @return the text to append now (possibly empty)
     */
    public static String take(int[] state, String text, boolean done) {
        StringBuilder out = new StringBuilder();
        if (state[0] < 0) {
            int first = 0;
            while (first < text.length() && Character.isWhitespace(text.charAt(first))) {
                first++;
            }
            if (first == text.length()) {
                return "";
            }
            state[1]++;
            out.append(state[1]).append(". ");
            state[0] = first;
        }
        int end = text.length();
        while (end > state[0] && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end > state[0]) {
            out.append(text, state[0], end);
            state[0] = end;
        }
        if (done) {
            out.append('\n');
        }
        return out.toString();
    }

    /** Whether the slot of the current input has started (it has a number). */
    public static boolean started(int[] state) {
        return state[0] >= 0;
    }
}
