package dev.moaflink.engine.sim;

import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.GenerationTranscript;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A session on the wall clock. Prefill is a timeline: the prefix (plus the request overhead) from open, each
 * appended increment after the previous one or when it arrives, whichever is later. Generate waits for the
 * end of that timeline, then for a decode slot, then emits the tokens that are due on each tick of the
 * shared scheduler (one tick per token, or every {@value #MIN_TICK_MS} ms at high rates, so thousands of
 * sessions stay cheap).
 *
 * <p>Threading: the public methods only record what was asked; everything after generate runs in this
 * session's {@link SerialLane}, where the listener and the future's completion run too.
 *
 * <p>With a {@link RealTimeGpu} (option {@code shared_gpu}) the prefill timeline is booked on the GPU's one prefill
 * lane, a prompt start another session of the query prefilled costs nothing, and each token's step is slowed by the
 * context of every session decoding.
 *
 * <p>Timings: prefillMs is the modelled prefill work (it runs in the background, so the wall clock does not
 * show it); the other phases are measured on the wall clock.
 */
final class RealTimeSession extends SimSession {

    static final long MIN_TICK_MS = 5;
    private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(MIN_TICK_MS);
    private static final double NANOS_PER_MS = 1e6;

    private enum Phase { WAITING, PREFILL, QUEUED, DECODING, DONE }

    private final ScheduledExecutorService scheduler;
    private final SerialLane lane;
    private final DecodeSlots slots;
    /** Null when every session has a GPU of its own. */
    private final RealTimeGpu gpu;
    private final long arrivalMs;
    private final Consumer<RealTimeSession> onDone;
    // Its identity lets a cancelled session withdraw from the slot queue.
    private final Runnable slotGranted;

    // Guarded by this.
    private long prefillEndNanos;

    // Lane state: written before the first lane task or only inside the lane.
    private Phase phase = Phase.WAITING;
    private GenerationParams params;
    private TokenListener listener;
    private CompletableFuture<Generation> result;
    private OutputTokens output;
    private GenerationTranscript transcript;
    private ScheduledFuture<?> pending;
    private boolean holdsSlot;
    private long generateAt;
    private long readyAt = -1;
    private long decodeStart = -1;
    private long firstTokenAt = -1;
    private long lastTokenAt;
    /** With a shared GPU: when the next token is due, and the context this session adds to the decoding batch. */
    private long nextTokenAt;
    private long contextHeld;

    RealTimeSession(SessionRequest request, QueryFacts facts, SimModel model, SimProfile profile,
                    ScheduledExecutorService scheduler, DecodeSlots slots, RealTimeGpu gpu,
                    Consumer<RealTimeSession> onDone) {
        super(request, facts, model, profile);
        this.scheduler = scheduler;
        this.lane = new SerialLane(scheduler);
        this.slots = slots;
        this.gpu = gpu;
        this.arrivalMs = request.queryArrivalMs() > 0 ? request.queryArrivalMs() : System.currentTimeMillis();
        this.onDone = onDone;
        this.slotGranted = () -> lane.execute(this::startDecode);
        if (gpu == null) {
            this.prefillEndNanos = System.nanoTime() + toNanos(prompt.prefillMs());
        } else {
            prompt.cached(gpu.cachedTokens(request.context().queryId(), request.promptPrefix()));
            this.prefillEndNanos = gpu.bookPrefill(System.nanoTime(), prompt.prefillMs());
        }
    }

    /** Real time: every call happens when it is made, whatever the caller's clock reads. */
    @Override
    public void at(double clockMs) {}

    @Override
    protected void appended(double prefillMs) {
        if (gpu != null) {
            prefillEndNanos = gpu.bookPrefill(prefillEndNanos, prefillMs);
            return;
        }
        long start = Math.max(prefillEndNanos, System.nanoTime());
        prefillEndNanos = start + toNanos(prefillMs);
    }

    @Override
    public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        synchronized (this) {
            CompletableFuture<Generation> cancelledEarly = claimGenerate(params, listener);
            if (cancelledEarly != null) {
                return cancelledEarly;
            }
            this.generateAt = System.nanoTime();
            this.params = params;
            this.listener = listener;
            this.result = new CompletableFuture<>();
        }
        lane.execute(this::begin);
        return result;
    }

    @Override
    public void cancel() {
        stopRequested = true;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (!generateCalled) {
                onDone.accept(this);
                return;
            }
        }
        lane.execute(() -> finish(FinishReason.CANCELLED, null));
    }

    // ---- lane tasks ----

    private void begin() {
        if (phase != Phase.WAITING) {
            return; // cancelled before this task ran
        }
        try {
            output = model.respond(request, facts, prompt.text());
            transcript = new GenerationTranscript(params, output.length());
        } catch (RuntimeException e) {
            finish(FinishReason.ERROR, String.valueOf(e));
            return;
        }
        phase = Phase.PREFILL;
        long delay = prefillEndNanos - System.nanoTime();
        if (delay <= 0) {
            prefilled();
        } else {
            later(this::prefilled, delay);
        }
    }

    private void prefilled() {
        if (phase != Phase.PREFILL || stopped()) {
            return;
        }
        readyAt = System.nanoTime();
        phase = Phase.QUEUED;
        if (slots.acquire(slotGranted, arrivalMs, request.context().queryId())) {
            startDecode();
        }
    }

    private void startDecode() {
        if (phase != Phase.QUEUED) {
            // Cancelled while the slot was being handed over: pass it on.
            slots.release();
            return;
        }
        holdsSlot = true;
        phase = Phase.DECODING;
        decodeStart = System.nanoTime();
        if (gpu != null) {
            contextHeld = prompt.tokens();
            gpu.decoding(contextHeld);
            nextTokenAt = decodeStart + gpu.stepNanos(profile.decodeTps());
        }
        tick();
    }

    private void tick() {
        if (phase != Phase.DECODING || stopped()) {
            return;
        }
        long now = System.nanoTime();
        try {
            while (transcript.tokens() < tokensDue(now)) {
                Token token = output.next();
                FinishReason reason = add(transcript, token, !output.hasNext());
                if (firstTokenAt < 0) {
                    firstTokenAt = now;
                }
                lastTokenAt = now;
                listener.onToken(token);
                if (gpu != null) {
                    gpu.decoding(1);
                    contextHeld++;
                    nextTokenAt += gpu.stepNanos(profile.decodeTps());
                }
                if (reason != null) {
                    finish(reason, null);
                    return;
                }
                if (stopped()) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            finish(FinishReason.ERROR, String.valueOf(e));
            return;
        }
        long nextDue = gpu != null ? nextTokenAt
                : decodeStart + (long) Math.ceil((transcript.tokens() + 1) * 1e9 / profile.decodeTps());
        later(this::tick, Math.max(MIN_TICK_NANOS, nextDue - now));
    }

    /** Finishes with CANCELLED when cancel was requested; true if so. */
    private boolean stopped() {
        if (stopRequested) {
            finish(FinishReason.CANCELLED, null);
            return true;
        }
        return false;
    }

    private long tokensDue(long now) {
        if (Double.isInfinite(profile.decodeTps())) {
            return Long.MAX_VALUE;
        }
        if (gpu != null) {
            return now >= nextTokenAt ? transcript.tokens() + 1 : transcript.tokens();
        }
        return (long) ((now - decodeStart) * profile.decodeTps() / 1e9);
    }

    private void later(Runnable laneTask, long delayNanos) {
        try {
            pending = scheduler.schedule(() -> lane.execute(laneTask), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            finish(FinishReason.CANCELLED, null);
        }
    }

    private void finish(FinishReason reason, String error) {
        if (phase == Phase.DONE) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        if (phase == Phase.QUEUED) {
            // False means the slot is already on its way to startDecode, which passes it on.
            slots.withdraw(slotGranted);
        }
        if (holdsSlot) {
            holdsSlot = false;
            slots.release();
        }
        if (contextHeld > 0) {
            gpu.decoding(-contextHeld);
            contextHeld = 0;
        }
        phase = Phase.DONE;
        onDone.accept(this);
        result.complete(generation(reason, error, System.nanoTime()));
    }

    private Generation generation(FinishReason reason, String error, long end) {
        int promptTokens = prompt.tokens();
        double prefillMs = prompt.prefillMs();
        double exposedMs = ms((readyAt >= 0 ? readyAt : end) - generateAt);
        double queueMs = readyAt < 0 ? 0 : ms((decodeStart >= 0 ? decodeStart : end) - readyAt);
        double decodeMs = firstTokenAt < 0 ? 0 : ms(lastTokenAt - decodeStart);
        double firstTokenMs = firstTokenAt < 0 ? 0 : ms(firstTokenAt - generateAt);
        PhaseTimings timings = new PhaseTimings(queueMs, prefillMs, exposedMs, decodeMs, firstTokenMs);
        if (reason == FinishReason.ERROR) {
            return Generation.failed(error, promptTokens, timings);
        }
        int n = transcript == null ? 0 : transcript.tokens();
        return new Generation(n == 0 ? "" : transcript.text(), reason, promptTokens, n,
                n == 0 ? 0.0 : transcript.sumLogProb(), timings, null, Math.min(prompt.cachedTokens(), promptTokens));
    }

    private static long toNanos(double ms) {
        return (long) (ms * NANOS_PER_MS);
    }

    private static double ms(long nanos) {
        return Math.max(0, nanos) / NANOS_PER_MS;
    }
}
