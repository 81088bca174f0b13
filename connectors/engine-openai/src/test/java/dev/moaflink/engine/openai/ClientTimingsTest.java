package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moaflink.engine.PhaseTimings;
import org.junit.jupiter.api.Test;

/** The phases of a generation from the moments the session records. */
class ClientTimingsTest {

    private static final long MS = 1_000_000;
    private static final long GENERATE_AT = 5_000 * MS;

    @Test
    void prefillIsTheWarmupsPlusTheWaitForTheFirstTokenLessQueueing() {
        ClientTimings t = new ClientTimings(GENERATE_AT, 200 * MS);
        t.queued(30 * MS);
        t.queued(20 * MS);
        t.tokenAt(GENERATE_AT + 300 * MS);
        t.tokenAt(GENERATE_AT + 400 * MS);
        PhaseTimings p = t.endAt(GENERATE_AT + 1300 * MS);
        assertEquals(50, p.queueMs(), 1e-9);
        assertEquals(250, p.prefillExposedMs(), 1e-9);
        assertEquals(450, p.prefillMs(), 1e-9);
        assertEquals(1000, p.decodeMs(), 1e-9, "from the first token");
        assertEquals(300, p.firstTokenMs(), 1e-9);
    }

    @Test
    void withoutATokenTheWholeTimeIsPrefillAndNothingIsNegative() {
        ClientTimings t = new ClientTimings(GENERATE_AT, 200 * MS);
        t.queued(150 * MS);
        PhaseTimings p = t.endAt(GENERATE_AT + 100 * MS);
        assertEquals(new PhaseTimings(150, 200, 0, 0, 0), p);
    }
}
