package dev.moaflink.job.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moaflink.job.prompt.Prompts;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SlotWriterTest {

    /** Whatever the chunking, the streamed pieces add up to the slot the whole text would get. */
    @Test
    void piecesAddUpToTheResponseSlotOfTheWholeText() {
        Random random = new Random(7);
        String[] texts = {"  The sky is blue.\nAnswer: A \n", "plain", "\n\n  x  y \t", "Answer: 42"};
        for (int round = 0; round < 200; round++) {
            int[] state = {-1, 0};
            StringBuilder streamed = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            for (String text : texts) {
                int at = 0;
                while (at < text.length()) {
                    at = Math.min(text.length(), at + 1 + random.nextInt(4));
                    streamed.append(SlotWriter.take(state, text.substring(0, at), false));
                }
                streamed.append(SlotWriter.take(state, text, true));
                state[0] = -1;
                expected.append(Prompts.responseSlot(state[1], text));
            }
            assertEquals(expected.toString(), streamed.toString());
            assertEquals(4, state[1]);
        }
    }

    @Test
    void blankInputsGetNoSlotAndNoNumber() {
        int[] state = {-1, 0};
        assertEquals("", SlotWriter.take(state, "   ", false));
        assertEquals("", SlotWriter.take(state, "  \n ", true));
        assertEquals(0, state[1]);
        assertEquals("1. x\n", SlotWriter.take(state, " x ", true));
    }
}
