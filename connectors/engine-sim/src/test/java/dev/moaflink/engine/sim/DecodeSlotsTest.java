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
    void zeroMeansUnlimited() {
        DecodeSlots slots = new DecodeSlots(0);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(slots.acquire(() -> { }));
        }
    }
}
