package dev.moaflink.engine.djl;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The JVM's CPU cores, handed to the forward passes of its DJL engines in query order ({@code scheduling: query}).
 * Each engine orders its own sessions by query, but on a CPU the engines of one JVM also compete for the cores: three
 * experts decoding the level-1 agents of later queries take them from the aggregator that would finish the first
 * query. Before each forward pass an engine enters with the query its work serves first; at most as many passes run
 * at once as the cores hold ({@link TorchThreads} threads each), and a free core goes to the earliest query waiting.
 * Engines on a GPU, and those scheduling by another policy, do not enter.
 */
final class CoreGate {

    /** The JVM's CPU (sized on first use, once libtorch's thread count is set). */
    private static CoreGate cpu;

    private final int slots;
    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>(
            Comparator.<Waiter, QueryOrder.Ticket>comparing(w -> w.query).thenComparingLong(w -> w.seq));
    private int running;
    private long nextSeq;

    private record Waiter(QueryOrder.Ticket query, long seq) {}

    CoreGate(int slots) {
        this.slots = Math.max(1, slots);
    }

    static synchronized CoreGate cpu() {
        if (cpu == null) {
            cpu = new CoreGate(Runtime.getRuntime().availableProcessors() / TorchThreads.threads());
        }
        return cpu;
    }

    /** Waits for a core for a forward pass whose work serves {@code query} first. */
    synchronized void enter(QueryOrder.Ticket query) throws InterruptedException {
        Waiter me = new Waiter(query, nextSeq++);
        waiting.add(me);
        try {
            while (running >= slots || waiting.peek() != me) {
                wait();
            }
        } catch (InterruptedException e) {
            waiting.remove(me);
            notifyAll();
            throw e;
        }
        waiting.poll();
        running++;
        if (running < slots && !waiting.isEmpty()) {
            notifyAll(); // the next waiter may take the core still free
        }
    }

    /** The forward pass is done: its core goes to the earliest query waiting. */
    synchronized void exit() {
        running--;
        notifyAll();
    }

    /** Runs {@code pass} holding a core of {@code gate} for {@code query}; at once when the gate is null. */
    static <T> T run(CoreGate gate, QueryOrder.Ticket query, java.util.function.Supplier<T> pass) {
        if (gate == null) {
            return pass.get();
        }
        try {
            gate.enter(query);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a core (engine closing)", e);
        }
        try {
            return pass.get();
        } finally {
            gate.exit();
        }
    }

    /** Forward passes running now (tests). */
    synchronized int running() {
        return running;
    }
}
