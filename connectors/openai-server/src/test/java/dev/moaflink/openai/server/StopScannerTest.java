package dev.moaflink.openai.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** OpenAI's stop semantics over streamed tokens. */
@Timeout(10)
class StopScannerTest {

    private static String texts(List<StopScanner.Piece> pieces) {
        return String.join("|", pieces.stream().map(StopScanner.Piece::text).toList());
    }

    @Test
    void withoutStopSequencesEveryTokenPassesAtOnce() {
        StopScanner s = new StopScanner(List.of());
        assertEquals("a", texts(s.offer("a", -1f)));
        assertEquals("b", texts(s.offer("b", -2f)));
        assertEquals(-2f, s.offer("c", -2f).get(0).logProb());
        assertEquals("", texts(s.flush()));
    }

    @Test
    void textThatMayStartAStopSequenceIsHeldBackUntilItIsDecided() {
        StopScanner s = new StopScanner(List.of("\nAnswer"));
        assertEquals("Six", texts(s.offer("Six", -1f)));
        assertEquals("", texts(s.offer("\nAn", -1f)), "held: could be the stop");
        assertEquals("\nAn|other", texts(s.offer("other", -1f)), "released: it was not");
        assertEquals("", texts(s.offer("\nAns", -1f)));
        assertEquals("", texts(s.offer("wer: 6", -1f)), "the stop: nothing more is shown");
        assertTrue(s.stopped());
        assertEquals("", texts(s.offer("more", -1f)));
        assertEquals("", texts(s.flush()));
    }

    @Test
    void theTokenInWhichTheStopBeginsIsCutAndTheEarliestStopWins() {
        StopScanner s = new StopScanner(List.of("END", "ND"));
        List<StopScanner.Piece> out = new ArrayList<>(s.offer("abc", -0.5f));
        out.addAll(s.offer("dEN", -0.25f));
        out.addAll(s.offer("D!", -0.125f));
        assertEquals("abc|d", texts(out));
        assertEquals(-0.25f, out.get(1).logProb(), "a cut token keeps its log-prob");
        assertTrue(s.stopped());
    }

    @Test
    void aGenerationEndingOnAPossibleStopPrefixShowsItAtTheEnd() {
        StopScanner s = new StopScanner(List.of("###"));
        assertEquals("x", texts(s.offer("x", -1f)));
        assertEquals("", texts(s.offer("##", -1f)));
        assertFalse(s.stopped());
        assertEquals("##", texts(s.flush()));
    }
}
