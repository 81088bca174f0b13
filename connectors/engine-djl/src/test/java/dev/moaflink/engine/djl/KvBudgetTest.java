package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The KV budget alone: reservations grow while they fit, shrink to what stays cached, and hopeless requests. */
class KvBudgetTest {

    private final KvBudget budget = new KvBudget(1000, 512, 1);

    @Test
    void aReservationGrowsOnlyByWhatItLacksAndOnlyWhileTheBudgetHasRoom() {
        KvBudget.Reservation a = new KvBudget.Reservation();
        KvBudget.Reservation b = new KvBudget.Reservation();
        assertTrue(budget.reserve(a, 600));
        assertTrue(budget.reserve(a, 400), "already holds more: nothing to grow");
        assertEquals(600, a.tokens());
        assertFalse(budget.reserve(b, 401), "401 more do not fit beside 600");
        assertEquals(0, b.tokens(), "a failed reservation changes nothing");
        assertEquals(600, budget.reservedTokens());
        assertTrue(budget.reserve(b, 400));
        assertEquals(1000, budget.reservedTokens());
    }

    @Test
    void shrinkingKeepsWhatIsStillCachedAndReleasingGivesAllBack() {
        KvBudget.Reservation a = new KvBudget.Reservation();
        budget.reserve(a, 700);
        budget.shrink(a, 250);
        assertEquals(250, a.tokens());
        assertEquals(250, budget.reservedTokens());
        budget.shrink(a, 300);
        assertEquals(250, a.tokens(), "shrinking never grows");
        budget.shrink(a, 0);
        assertEquals(0, a.tokens());
        assertEquals(0, budget.reservedTokens());
    }

    @Test
    void aGenerationReservesPromptPlusMaxTokensCappedAtTheContext() {
        assertEquals(300, budget.generationTokens(100, 200));
        assertEquals(512, budget.generationTokens(400, 200));
    }

    @Test
    void requestsThatCanNeverFitAreRefusedWithTheNumbers() {
        assertNull(budget.refusal(511, 1000));
        String context = budget.refusal(512, 512);
        assertTrue(context.contains("prompt of 512 tokens") && context.contains("context of 512"), context);
        String memory = budget.refusal(10, 1001);
        assertTrue(memory.contains("needs 1001 tokens") && memory.contains("holds 1000") && memory.contains("kv_cache_mb=1"),
                memory);
    }
}
