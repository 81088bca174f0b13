package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class DecodeSlotsTest {

    @Test
    void waitersGetFreedSlotsInOrder() {
        DecodeSlots slots = new DecodeSlots(1);
        List<String> granted = new ArrayList<>();
        Runnable b = () -> granted.add("b");
        Runnable c = () -> granted.add("c");
        assertTrue(slots.acquire(() -> granted.add("a")));
        assertFalse(slots.acquire(b));
        assertFalse(slots.acquire(c));
        slots.release();
        assertEquals(List.of("b"), granted);
        slots.release();
        assertEquals(List.of("b", "c"), granted);
        slots.release();
        assertTrue(slots.acquire(() -> granted.add("d")), "the slot is free again");
    }

    @Test
    void withdrawnWaitersAreSkipped() {
        DecodeSlots slots = new DecodeSlots(1);
        List<String> granted = new ArrayList<>();
        Runnable b = () -> granted.add("b");
        Runnable c = () -> granted.add("c");
        slots.acquire(() -> { });
        slots.acquire(b);
        slots.acquire(c);
        assertTrue(slots.withdraw(b));
        assertFalse(slots.withdraw(b));
        slots.release();
        assertEquals(List.of("c"), granted);
    }

    @Test
    void byQueryTheEarliestArrivedQueryGetsTheFreedSlot() {
        DecodeSlots slots = new DecodeSlots(1, true);
        List<String> granted = new ArrayList<>();
        slots.acquire(() -> { }, 0, "first");
        slots.acquire(() -> granted.add("q3"), 3_000, "q3");
        slots.acquire(() -> granted.add("q1"), 1_000, "q1");
        slots.acquire(() -> granted.add("q2b"), 2_000, "q2b");
        slots.acquire(() -> granted.add("q2a"), 2_000, "q2a");
        for (int i = 0; i < 4; i++) {
            slots.release();
        }
        assertEquals(List.of("q1", "q2a", "q2b", "q3"), granted, "arrival, then query id");
    }

    @Test
    void zeroMeansUnlimited() {
        DecodeSlots slots = new DecodeSlots(0);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(slots.acquire(() -> { }));
        }
    }
}
