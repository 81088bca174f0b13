package dev.moaflink.job.collect;

import java.util.List;

/**
 * A parent's prompt after its prefix as overlap wrote it, input by input into numbered slots while the inputs still
 * decoded: the parts, which children have a slot in it, and on the engine clock (virtual time) when the session
 * opened and each part became available.
 *
 * @param slotted     children (bits by index within the level) whose output has a slot
 * @param partReadyMs when each part became available (virtual time), or null when the parts were sent as they came
 * @param openMs      when the session opened (virtual time)
 */
public record SlottedPrompt(List<String> parts, long slotted, double[] partReadyMs, double openMs) {

    /** Real time: the text appended to the parent's open session so far, as one part. */
    public static SlottedPrompt streamed(String sent, long slotted) {
        return new SlottedPrompt(List.of(sent), slotted, null, Double.NaN);
    }

    boolean hasSlot(int child) {
        return (slotted & LevelState.bit(child)) != 0;
    }
}
