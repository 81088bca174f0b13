package dev.moaflink.engine.sim;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one session's tasks one at a time, in submission order, on a shared pool. A session's state then
 * needs no lock, so its listener and its future's callbacks may call anything (even cancel another session)
 * without risking a deadlock.
 */
final class SerialLane implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialLane.class);

    private final Executor pool;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    SerialLane(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        drainSoon();
    }

    private void drainSoon() {
        if (!tasks.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The engine is closing: run here. This thread holds the drain flag, so tasks stay serial.
                drain();
            }
        }
    }

    private void drain() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                // Session tasks complete their generation on failure; this only keeps the lane alive.
                LOG.error("Simulated session task failed", e);
            }
        }
        draining.set(false);
        drainSoon();
    }
}
