package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JVM's cores go to forward passes in query order: a freed core to the earliest query waiting. */
@Timeout(30)
class CoreGateTest {

    @Test
    void aFreedCoreGoesToTheEarliestQueryWaitingNotTheFirstToAsk() throws Exception {
        CoreGate gate = new CoreGate(1);
        QueryOrder.Ticket early = new QueryOrder.Ticket(1_000, "q1");
        QueryOrder.Ticket late = new QueryOrder.Ticket(2_000, "q2");
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> CoreGate.run(gate, early, () -> {
            holding.countDown();
            await(release);
            return ran.add("holder");
        }));
        holder.start();
        holding.await(10, TimeUnit.SECONDS);
        Thread lateOne = new Thread(() -> CoreGate.run(gate, late, () -> ran.add("late")));
        lateOne.start();
        waitUntilWaiting(lateOne);
        Thread earlyOne = new Thread(() -> CoreGate.run(gate, early, () -> ran.add("early")));
        earlyOne.start();
        waitUntilWaiting(earlyOne);
        release.countDown();
        for (Thread t : List.of(holder, lateOne, earlyOne)) {
            t.join(10_000);
        }
        assertEquals(List.of("holder", "early", "late"), ran);
        assertEquals(0, gate.running());
    }

    @Test
    void asManyPassesRunAtOnceAsTheGateHasCores() throws Exception {
        CoreGate gate = new CoreGate(2);
        CountDownLatch both = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = List.of(1, 2).stream().map(i -> new Thread(() ->
                CoreGate.run(gate, new QueryOrder.Ticket(i, "q" + i), () -> {
                    both.countDown();
                    await(release);
                    return null;
                }))).toList();
        threads.forEach(Thread::start);
        assertEquals(true, both.await(10, TimeUnit.SECONDS), "two cores: both passes run together");
        assertEquals(2, gate.running());
        release.countDown();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertEquals(0, gate.running());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitUntilWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }
}
