package dev.moaflink.engine.djl;

/**
 * The prompt ids a session's prefill should reach (scheduler thread only): the latest tokenisation of the text
 * appended so far, until its generate is admitted; from then on the whole prompt's ids, final.
 */
final class PromptTarget {

    private int[] ids = new int[0];
    private boolean isFinal;
    /** The whole prompt's ids once generate was called; they become the target when it is admitted. */
    private int[] whole;

    /** New ids of the text appended so far (only before generate: append is refused after it). */
    void update(int[] appended) {
        ids = appended;
    }

    void generateCalled(int[] wholePrompt) {
        whole = wholePrompt;
    }

    /** Generate was admitted: prefill now runs to the whole prompt's end. */
    void admit() {
        ids = whole;
        isFinal = true;
    }

    int[] ids() {
        return ids;
    }

    /** Whether generate was admitted (the ids are the whole prompt, none held back). */
    boolean isFinal() {
        return isFinal;
    }

    /** Tokens of the whole prompt given to generate. */
    int wholeLength() {
        return whole.length;
    }
}
