package dev.moaflink.engine.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SerialLaneTest {

    @Test
    void runsTasksOneAtATimeInOrderOnAPool() throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            SerialLane lane = new SerialLane(pool);
            List<Integer> order = new ArrayList<>(); // unsynchronized on purpose: the lane serialises access
            AtomicInteger running = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(10_000);
            for (int i = 0; i < 10_000; i++) {
                int n = i;
                lane.execute(() -> {
                    if (running.incrementAndGet() > 1) {
                        overlaps.incrementAndGet();
                    }
                    order.add(n);
                    running.decrementAndGet();
                    done.countDown();
                });
            }
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(0, overlaps.get());
            for (int i = 0; i < order.size(); i++) {
                assertEquals(i, order.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheLane() throws InterruptedException {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            SerialLane lane = new SerialLane(pool);
            CountDownLatch ran = new CountDownLatch(1);
            lane.execute(() -> {
                throw new IllegalStateException("expected in this test");
            });
            lane.execute(ran::countDown);
            assertTrue(ran.await(5, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void runsOnTheCallerOnceThePoolIsShutDown() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        SerialLane lane = new SerialLane(pool);
        Thread[] ranOn = new Thread[1];
        lane.execute(() -> ranOn[0] = Thread.currentThread());
        assertEquals(Thread.currentThread(), ranOn[0]);
    }
}
