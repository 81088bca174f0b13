package dev.moaflink.engine.djl;

import dev.moaflink.engine.EngineLoad;
import dev.moaflink.engine.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's scheduler thread, which owns the model and every session's KV cache. Each turn it applies the
 * commands callers queued (new prompt text, generate, cancel, close), admits generate requests whose KV reservation
 * fits ({@link Admission}), prefills waiting prompts ({@link PrefillPlanner}), then runs one batched decode step
 * ({@link DecodeStepper}). It sleeps while there is nothing to do, and tells the JVM's {@link CoreShare} whether a
 * caller waits on this engine. Command methods may be called from any thread; the rest runs on the scheduler thread.
 */
final class SchedulerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerLoop.class);

    private final String name;
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private final KvBudget budget;
    private final QueryOrder order;
    private final Admission admission;
    private final PrefillPlanner planner;
    private final DecodeStepper decoder;
    /** Null on a GPU or with overlap_prefill eager (the default). */
    private final CoreShare.Member share;
    /** Whether a caller waits on this engine (mirrored into {@link #share}). */
    private boolean foreground;
    /** Published after each turn, for gauges on other threads. */
    private volatile EngineLoad load;

    /** @param cores the CPU share speculative prefill yields to; null when it does not wait for free cores */
    SchedulerLoop(String name, DjlOptions options, KvBudget budget, QueryOrder order, PrefillRunner runner,
                  DecodeStepper decoder, CoreShare cores) {
        this.name = name;
        this.budget = budget;
        this.decoder = decoder;
        this.share = cores == null ? null : cores.join(TorchThreads.threads(), this::wake);
        this.order = order;
        this.admission = new Admission(budget, order, this::cancelled);
        this.planner = new PrefillPlanner(options.prefillTokensPerStep(), budget, order, runner, decoder, share,
                () -> !commands.isEmpty());
        this.thread = new Thread(this::loop, "djl-" + name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean running() {
        return running;
    }

    EngineLoad load() {
        EngineLoad l = load;
        return l != null ? l : new EngineLoad(0, 0, 0, budget.capacityTokens());
    }

    // ------------------------------------------------------------------ commands (any thread)

    /** Runs {@code command} on the scheduler thread, after those queued before it. */
    void submit(Runnable command) {
        commands.add(command);
    }

    /** The ids of a session's prompt text so far (before generate). */
    void prompt(DjlSession s, int[] ids) {
        submit(() -> updatePrompt(s, ids));
    }

    /** A session's generate, with its whole prompt's ids. */
    void generate(DjlSession s, int[] ids, GenerationRun run) {
        submit(() -> startGenerate(s, ids, run));
    }

    void cancel(DjlSession s) {
        submit(() -> cancelled(s));
    }

    /** A session is closed: its work stops and its cache and reservation are freed. */
    void release(DjlSession s) {
        submit(() -> released(s));
    }

    /** Wakes a scheduler waiting for a free core ({@link CoreShare}). */
    private void wake() {
        commands.add(() -> { });
    }

    /** Fails what is left, stops the thread (waiting for it a while) and leaves the core share. */
    void close(String reason) {
        submit(() -> failAll(reason));
        submit(() -> running = false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        if (share != null) {
            share.leave();
        }
    }

    // ------------------------------------------------------------------ scheduler thread

    private void loop() {
        while (running) {
            try {
                Runnable c = idle() ? commands.poll(50, TimeUnit.MILLISECONDS) : commands.poll();
                while (c != null) {
                    c.run();
                    c = commands.poll();
                }
                admit();
                updateForeground();
                planner.prefill();
                long decodeNanos = decoder.step();
                if (decodeNanos >= 0) {
                    planner.decoded(decodeNanos);
                }
                updateForeground();
                publishLoad();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("DJL engine '{}' scheduler failed; failing its sessions", name, e);
                failAll("engine error: " + e);
            }
        }
    }

    private void publishLoad() {
        int waiting = admission.waiting().size() + planner.queued().size();
        int decoding = decoder.decoding().size();
        long reserved = budget.reservedTokens();
        EngineLoad l = load;
        if (l == null || l.waitingSessions() != waiting || l.decodingSessions() != decoding
                || l.kvUsedTokens() != reserved) {
            load = new EngineLoad(waiting, decoding, reserved, budget.capacityTokens());
        }
    }

    private boolean idle() {
        return (planner.queued().isEmpty() || planner.heldBack()) && decoder.decoding().isEmpty()
                && admission.waiting().isEmpty();
    }

    private void updateForeground() {
        if (share == null) {
            return;
        }
        boolean now = !decoder.decoding().isEmpty() || !admission.waiting().isEmpty() || planner.generatePending();
        if (now != foreground) {
            foreground = now;
            share.foreground(now);
        }
    }

    private void updatePrompt(DjlSession s, int[] ids) {
        order.join(s);
        if (s.closed() || s.finished()) {
            return;
        }
        s.prompt().update(ids);
        planner.add(s);
    }

    private void startGenerate(DjlSession s, int[] ids, GenerationRun run) {
        order.join(s);
        s.start(run);
        if (s.cancelRequested()) {
            s.finish(FinishReason.CANCELLED, null);
            return;
        }
        admission.add(s, ids);
    }

    private void cancelled(DjlSession s) {
        s.finish(FinishReason.CANCELLED, null);
        planner.remove(s);
    }

    private void released(DjlSession s) {
        cancelled(s);
        admission.remove(s);
        decoder.remove(s);
        budget.shrink(s.reservation(), 0);
        s.kv().close();
        order.leave(s);
    }

    /** Admits generate requests in order while their full reservation fits; their whole prompt is prefilled next. */
    private void admit() {
        for (DjlSession s = admission.next(); s != null; s = admission.next()) {
            s.prompt().admit();
            planner.add(s);
        }
    }

    private void failAll(String message) {
        List<DjlSession> all = new ArrayList<>(decoder.decoding());
        all.addAll(planner.queued());
        all.addAll(admission.waiting());
        for (DjlSession s : all) {
            s.finish(FinishReason.ERROR, message);
            released(s); // takes it off every queue
        }
        decoder.clearBatch();
    }
}
