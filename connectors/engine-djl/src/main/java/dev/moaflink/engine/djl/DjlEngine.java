package dev.moaflink.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineLoad;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process inference of one Hugging Face Llama-family model with DJL's PyTorch engine.
 *
 * <p>One scheduler thread owns the model and every session's KV cache. Each turn it applies the commands
 * callers queued (new prompt text, generate, cancel, close), prefills waiting prompts, then runs one batched decode
 * step for up to max_batch decoding sessions (continuous batching: sessions join and leave between steps). Prompts
 * whose generate was called (on a caller's critical path) are prefilled first, oldest first, up to
 * {@code prefill_tokens_per_step}; text appended ahead of generate (prefill/decode overlap) is speculative work and
 * yields to them, to decoding and to callers' commands: it runs in pieces of at most {@value #SPECULATIVE_CHUNK}
 * tokens, lowest agent level first, while any session decodes at most one per turn and a quarter of the time, and a
 * queued command (a generate) is taken before the next piece; with option {@code overlap_prefill: idle_cores}, on a
 * CPU it runs only while the JVM's other engines leave a core free ({@link CoreShare}). Prompt text is prefilled as
 * it is appended; the
 * last few tokens wait for the next part (they may merge with it), and if re-tokenising the longer text changes
 * earlier tokens, the cache is cut back to the common prefix.
 *
 * <p>KV memory is budgeted in tokens ({@code kv_cache_mb} ÷ bytes per token). Prefill grows a session's
 * reservation as it goes; generate reserves prompt + max_tokens (capped at the context length) up front, so a
 * decoding session never runs out. Work that does not fit waits in order (its time is reported as queue time);
 * a request that could never fit fails at once with the numbers.
 */
public final class DjlEngine implements LlmEngine {

    /** Real, wall-clock, with a live KV cache that appends extend. */
    static final EngineInfo INFO = new EngineInfo("djl", false, false, true);

    private static final Logger LOG = LoggerFactory.getLogger(DjlEngine.class);
    /** Prompt tokens held back until more text or generate arrives (the tokeniser may merge them). */
    private static final int HOLD_BACK = 2;
    /**
     * Speculative prefill runs at most this many tokens per turn while sessions decode (chunked prefill): a long
     * prefix appended ahead cannot stall a decode step for longer than a piece this size takes.
     */
    static final int SPECULATIVE_CHUNK = 32;
    /**
     * While sessions decode, speculative prefill gets at most this share of the scheduler's time: each decode step
     * earns it credit, each piece spends it. Decoding sessions have callers waiting now; a prefix appended ahead
     * pays off only later (a piece per step of an aggregator opened ahead tripled the decode steps of the sessions
     * its parent waited for).
     */
    static final double SPECULATIVE_SHARE = 0.25;
    /** Credit decode steps can save up for speculative prefill that waits. */
    private static final long SPECULATIVE_CREDIT_CAP_NANOS = 2_000_000L;

    private final String name;
    private final DjlOptions options;
    private final NDManager manager;
    private final LlamaModel model;
    private final TextCodec codec;
    private final long capacityTokens;
    private final LinkedBlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final Thread scheduler;
    private volatile boolean running = true;

    // --- scheduler state ---
    private final Set<DjlSession> prefillQueue = new LinkedHashSet<>();
    private final Deque<DjlSession> admissionQueue = new ArrayDeque<>();
    private final List<DjlSession> decoding = new ArrayList<>();
    /** Keys and values of the sessions decoding together; row i belongs to batchRows.get(i). */
    private final DecodeBatch batch;
    private final List<DjlSession> batchRows = new ArrayList<>();
    private long reservedTokens;
    /** Published by the scheduler thread after each iteration, for gauges on other threads. */
    private volatile EngineLoad load;
    /** Null on a GPU or with overlap_prefill eager (the default). */
    private final CoreShare.Member share;
    /** Whether a caller waits on this engine (scheduler thread; mirrored into {@link #share}). */
    private boolean foreground;
    /** Speculative prefill is waiting for a free core and nothing else is left to do. */
    private boolean heldBack;
    private long steps;
    /** Time speculative prefill may still take while sessions decode (see {@link #SPECULATIVE_SHARE}). */
    private long speculativeCreditNanos;
    private volatile long prefillCalls;
    private volatile long prefilledTokens;

    DjlEngine(String name, Path dir, DjlOptions options) {
        this(name, dir, options, CoreShare.CPU);
    }

    /** With the CPU share its speculative prefill yields to (tests use their own). */
    DjlEngine(String name, Path dir, DjlOptions options, CoreShare cores) {
        this.name = name;
        this.options = options;
        Device device = options.device();
        TorchThreads.configure();
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            this.model = LlamaModel.load(dir, manager, options.scripted());
            this.codec = TextCodec.load(dir, model.config(), options.chatTemplate());
            this.batch = new DecodeBatch(manager, model.config());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.capacityTokens = options.kvCacheMb() * 1024L * 1024L / model.config().kvBytesPerToken();
        this.share = options.eagerOverlap() || device.isGpu() ? null : cores.join(TorchThreads.threads(), this::wake);
        this.scheduler = new Thread(this::loop, "djl-" + name);
        scheduler.setDaemon(true);
        scheduler.start();
        LOG.info("DJL engine '{}' loaded {} ({} layers, hidden {}, vocab {}) on {}; KV budget {} tokens; chat format {}",
                name, dir, model.config().layers(), model.config().hiddenSize(), model.config().vocabSize(), device,
                capacityTokens, codec.chat().name());
    }

    @Override
    public String model() {
        return name;
    }

    @Override
    public EngineInfo info() {
        return INFO;
    }

    @Override
    public EngineLoad load() {
        EngineLoad l = load;
        return l != null ? l : new EngineLoad(0, 0, 0, capacityTokens);
    }

    LlamaModel llama() {
        return model;
    }

    TextCodec codec() {
        return codec;
    }

    /** Tokens of KV cache the budget holds. */
    public long capacityTokens() {
        return capacityTokens;
    }

    /** Batched decode steps run so far (tests and benchmarks). */
    public long steps() {
        return steps;
    }

    /** Prefill forward passes run so far (tests and benchmarks). */
    public long prefillCalls() {
        return prefillCalls;
    }

    /** Prompt tokens prefilled so far (tests and benchmarks). */
    public long prefilledTokens() {
        return prefilledTokens;
    }

    @Override
    public EngineSession open(SessionRequest request) {
        if (!running) {
            throw new IllegalStateException("engine '" + name + "' is closed");
        }
        return new DjlSession(this, request);
    }

    /** Why a sequence of {@code promptTokens} that needs {@code neededTokens} of cache can never run, or null. */
    String refusal(int promptTokens, int neededTokens) {
        int context = model.config().maxPositions();
        if (promptTokens >= context) {
            return "prompt of " + promptTokens + " tokens does not fit the model's context of " + context + " tokens";
        }
        if (neededTokens > capacityTokens) {
            return "request needs " + neededTokens + " tokens of KV cache (" + promptTokens + " prompt + output), but "
                    + "the budget holds " + capacityTokens + " (kv_cache_mb=" + options.kvCacheMb() + ")";
        }
        return null;
    }

    void submit(Runnable command) {
        commands.add(command);
    }

    /** Wakes a scheduler waiting for a free core ({@link CoreShare}). */
    private void wake() {
        commands.add(() -> { });
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
                prefillPending();
                decodeStep();
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
        int waiting = admissionQueue.size() + prefillQueue.size();
        EngineLoad l = load;
        if (l == null || l.waitingSessions() != waiting || l.decodingSessions() != decoding.size()
                || l.kvUsedTokens() != reservedTokens) {
            load = new EngineLoad(waiting, decoding.size(), reservedTokens, capacityTokens);
        }
    }

    private boolean idle() {
        return (prefillQueue.isEmpty() || heldBack) && decoding.isEmpty() && admissionQueue.isEmpty();
    }

    private void updateForeground() {
        if (share == null) {
            return;
        }
        boolean now = !decoding.isEmpty() || !admissionQueue.isEmpty() || generatePending();
        if (now != foreground) {
            foreground = now;
            share.foreground(now);
        }
    }

    /** Whether a prompt whose generate was called waits for prefill. */
    private boolean generatePending() {
        for (DjlSession s : prefillQueue) {
            if (s.targetFinal) {
                return true;
            }
        }
        return false;
    }

    void updatePrompt(DjlSession s, int[] ids, boolean last) {
        if (s.closed || s.result != null && s.result.isDone()) {
            return;
        }
        s.targetIds = ids;
        s.targetFinal = last;
        prefillQueue.add(s);
    }

    void startGenerate(DjlSession s, int[] ids, GenerationParams params, TokenListener listener,
                       CompletableFuture<Generation> future, long calledAt) {
        s.params = params;
        s.listener = listener;
        s.result = future;
        s.generateAtNanos = calledAt;
        s.sampler = new Sampler(params);
        s.output = new int[params.maxTokens()];
        if (s.cancelRequested) {
            finish(s, FinishReason.CANCELLED, null);
            return;
        }
        s.finalIds = ids;
        admissionQueue.add(s);
    }

    void cancelled(DjlSession s) {
        if (s.result != null && !s.result.isDone()) {
            finish(s, FinishReason.CANCELLED, null);
        }
        prefillQueue.remove(s);
    }

    void release(DjlSession s) {
        cancelled(s);
        admissionQueue.remove(s);
        decoding.remove(s);
        reservedTokens -= s.reservedTokens;
        s.reservedTokens = 0;
        if (s.cache != null) {
            s.cache.close();
            s.cache = null;
        }
    }

    /** Admits generate requests in order while their full reservation fits. */
    private void admit() {
        while (!admissionQueue.isEmpty()) {
            DjlSession s = admissionQueue.peek();
            if (s.cancelRequested) {
                admissionQueue.poll();
                cancelled(s);
                continue;
            }
            int needed = Math.min(model.config().maxPositions(), s.finalIds.length + s.params.maxTokens());
            long grow = Math.max(0, needed - s.reservedTokens);
            if (reservedTokens + grow > capacityTokens) {
                if (s.waitingSinceNanos < 0) {
                    s.waitingSinceNanos = System.nanoTime();
                }
                return;
            }
            admissionQueue.poll();
            if (s.waitingSinceNanos >= 0) {
                s.queueNanos += System.nanoTime() - s.waitingSinceNanos;
                s.waitingSinceNanos = -1;
            }
            reservedTokens += grow;
            s.reservedTokens += (int) grow;
            s.targetIds = s.finalIds;
            s.targetFinal = true;
            prefillQueue.add(s);
        }
    }

    /**
     * Prefills waiting prompts, oldest first, until none is left or this step's token budget is spent (a prompt is
     * never split: the one that crosses the budget runs whole). Prefill before decode lets sessions that arrive
     * together join the decode batch at the same step instead of one per step.
     */
    private void prefillPending() {
        int done = 0;
        while (done < options.prefillTokensPerStep() && !prefillQueue.isEmpty()) {
            int n = prefillOne(true, Integer.MAX_VALUE);
            if (n < 0) {
                break; // no prompt of a generate is waiting (or what is waits for memory)
            }
            done += n;
        }
        heldBack = false;
        // Speculative prefill, in pieces of at most SPECULATIVE_CHUNK tokens (chunked prefill): while sessions decode
        // here at most one piece per turn and SPECULATIVE_SHARE of the time, so that it cannot stall decoding for
        // long; otherwise pieces until the step's budget is spent. Before each piece: a caller's command (a
        // generate) goes first, and with idle_cores on a CPU the other engines' callers must leave a core free (else
        // it waits and the share wakes it), so a prefix started while the cores were idle yields within one piece.
        int pieces = 0;
        while (done < options.prefillTokensPerStep() && !prefillQueue.isEmpty() && (decoding.isEmpty() || pieces == 0)) {
            if (!commands.isEmpty() || !decoding.isEmpty() && speculativeCreditNanos <= 0) {
                return;
            }
            if (share != null && !share.spare()) {
                heldBack = !generatePending();
                return;
            }
            long t0 = System.nanoTime();
            int n = prefillOne(false, SPECULATIVE_CHUNK);
            if (n < 0) {
                return; // everything left waits for memory
            }
            if (!decoding.isEmpty()) {
                speculativeCreditNanos -= System.nanoTime() - t0;
            }
            done += n;
            pieces++;
        }
    }

    /**
     * Prefills the oldest session with prompt tokens not yet in its cache, among those whose generate was called when
     * {@code generating}, else among all, lowest {@link dev.moaflink.engine.SessionRequest#level} first, at most
     * {@code maxTokens} of a speculative one (the rest stays queued);
     * returns the tokens it ran (0 when it only dropped a session with nothing to run), or -1 when no such queued
     * session can run now.
     */
    private int prefillOne(boolean generating, int maxTokens) {
        Iterable<DjlSession> order = prefillQueue;
        if (!generating && prefillQueue.size() > 1) {
            // Speculative text: the lowest agent level first (its inputs finish, and its generate comes, sooner),
            // oldest first within a level.
            List<DjlSession> byLevel = new ArrayList<>(prefillQueue);
            byLevel.sort(java.util.Comparator.comparingInt(x -> x.request.level()));
            order = byLevel;
        }
        for (DjlSession s : order) {
            if (generating && !s.targetFinal) {
                continue;
            }
            if (s.cancelRequested) {
                prefillQueue.remove(s);
                return 0;
            }
            int[] target = s.targetFinal ? s.targetIds
                    : Arrays.copyOf(s.targetIds, Math.max(0, s.targetIds.length - HOLD_BACK));
            int common = commonPrefix(s.cachedIds, target);
            if (s.targetFinal && common == target.length) {
                common--; // the last prompt token must run to give the first output's logits
            }
            int fresh = target.length - common;
            if (fresh <= 0) {
                prefillQueue.remove(s);
                return 0;
            }
            boolean whole = true;
            if (!s.targetFinal && fresh > maxTokens) {
                target = Arrays.copyOf(target, common + maxTokens);
                fresh = maxTokens;
                whole = false;
            }
            if (!s.targetFinal) {
                long grow = Math.max(0, target.length - s.reservedTokens);
                if (reservedTokens + grow > capacityTokens) {
                    continue; // waits for memory; generate-admitted sessions go first
                }
                reservedTokens += grow;
                s.reservedTokens += (int) grow;
            }
            if (s.cache == null) {
                s.cache = new KvCache(manager, model.config().layers());
            }
            s.cache.truncate(common);
            long t0 = System.nanoTime();
            try (NDManager step = manager.newSubManager()) {
                NDArray logits = model.prefill(step, Arrays.copyOfRange(target, common, target.length), s.cache,
                        s.targetFinal ? ScriptedForward.Logits.LAST : ScriptedForward.Logits.NONE);
                s.cachedIds = target.clone();
                prefillCalls++;
                prefilledTokens += fresh;
                if (s.targetFinal) {
                    NDArray last = logits.logSoftmax(-1);
                    float[] logProbs = last.toFloatArray();
                    long spent = System.nanoTime() - t0;
                    s.prefillNanos += spent;
                    s.prefillExposedNanos += spent;
                    prefillQueue.remove(s);
                    s.decodeStartNanos = System.nanoTime();
                    accept(s, logProbs, 0);
                    if (!s.result.isDone()) {
                        decoding.add(s);
                    }
                    return fresh;
                }
            }
            long end = System.nanoTime();
            s.prefillNanos += end - t0;
            long called = s.generateCalledNanos;
            if (called != 0) {
                // Generate was already called (its command not yet run): this piece is on the caller's critical path.
                s.prefillExposedNanos += end - Math.max(t0, called);
            }
            if (whole) {
                prefillQueue.remove(s); // back in the queue when more text (or generate) arrives
            }
            return fresh;
        }
        return -1;
    }

    /**
     * One batched forward for the sessions in the decode batch. Finished sessions leave it first; then waiting
     * decoding sessions join, oldest first, up to max_batch (their prefilled cache is copied into the batch and
     * freed). Membership, and so the batch's tensors, change only when a session joins or leaves.
     */
    private void decodeStep() {
        decoding.removeIf(s -> {
            if (s.cancelRequested && !s.result.isDone()) {
                finish(s, FinishReason.CANCELLED, null);
            }
            return s.result.isDone();
        });
        int[] keep = new int[batchRows.size()];
        int kept = 0;
        for (int i = 0; i < batchRows.size(); i++) {
            if (decoding.contains(batchRows.get(i))) {
                keep[kept++] = i;
            } else {
                batchRows.get(i).inBatch = false;
            }
        }
        if (kept < batchRows.size()) {
            batch.retain(Arrays.copyOf(keep, kept));
            batchRows.removeIf(s -> !s.inBatch);
        }
        for (DjlSession s : decoding) {
            if (batchRows.size() >= options.maxBatch()) {
                break;
            }
            if (!s.inBatch) {
                batch.add(s.cache);
                s.cache.close();
                s.cache = null;
                s.inBatch = true;
                batchRows.add(s);
            }
        }
        int b = batchRows.size();
        if (b == 0) {
            return;
        }
        int[] tokens = new int[b];
        for (int i = 0; i < b; i++) {
            tokens[i] = batchRows.get(i).pendingToken;
        }
        float[] logProbs;
        long t0 = System.nanoTime();
        try (NDManager step = manager.newSubManager()) {
            logProbs = model.decode(step, tokens, batch).logSoftmax(-1).toFloatArray();
        }
        if (prefillQueue.isEmpty()) {
            speculativeCreditNanos = Math.min(0, speculativeCreditNanos); // no saving up while nothing waits
        } else {
            long earned = (long) ((System.nanoTime() - t0) * SPECULATIVE_SHARE / (1 - SPECULATIVE_SHARE));
            speculativeCreditNanos = Math.min(SPECULATIVE_CREDIT_CAP_NANOS, speculativeCreditNanos + earned);
        }
        steps++;
        int vocab = model.config().vocabSize();
        for (int i = 0; i < b; i++) {
            accept(batchRows.get(i), logProbs, i * vocab);
        }
    }

    /** Samples from a row of log-probs, streams the token, and ends the generation when it should. */
    private void accept(DjlSession s, float[] logProbs, int offset) {
        int vocab = model.config().vocabSize();
        int id = s.sampler.pick(logProbs, offset, vocab);
        float lp = logProbs[offset + id];
        long now = System.nanoTime();
        if (s.firstTokenNanos < 0) {
            s.firstTokenNanos = now;
        }
        if (codec.isEos(id) && !options.ignoreEos()) {
            finish(s, FinishReason.STOP, null);
            return;
        }
        s.output[s.outputCount++] = id;
        s.sumLogProb += lp;
        String delta = s.detokenizer.next(codec, s.output, s.outputCount);
        s.outputText = s.outputText + delta;
        try {
            s.listener.onToken(new Token(id, delta, lp));
        } catch (RuntimeException e) {
            LOG.warn("token listener of {} failed; cancelling it", s.requestId(), e);
            finish(s, FinishReason.ERROR, "token listener failed: " + e);
            return;
        }
        s.pendingToken = id;
        for (String stop : s.params.stop()) {
            if (!stop.isEmpty() && s.outputText.contains(stop)) {
                finish(s, FinishReason.STOP, null);
                return;
            }
        }
        if (s.outputCount >= s.params.maxTokens() || positions(s) + 1 >= model.config().maxPositions()) {
            finish(s, FinishReason.LENGTH, null);
        }
    }

    /** Positions a session's keys and values hold (the pending output token not yet among them). */
    private static int positions(DjlSession s) {
        if (s.inBatch) {
            return s.cachedIds.length + s.outputCount - 1;
        }
        return s.cache == null ? 0 : s.cache.length();
    }

    private void finish(DjlSession s, FinishReason reason, String error) {
        if (s.result == null || s.result.isDone()) {
            return;
        }
        long end = System.nanoTime();
        double prefillMs = s.prefillNanos / 1e6;
        double decodeMs = s.decodeStartNanos == 0 ? 0 : (end - s.decodeStartNanos) / 1e6;
        double firstMs = s.firstTokenNanos < 0 ? 0 : (s.firstTokenNanos - s.generateAtNanos) / 1e6;
        PhaseTimings t = new PhaseTimings(s.queueNanos / 1e6, prefillMs, s.prefillExposedNanos / 1e6, decodeMs, firstMs);
        String text = s.outputText;
        if (reason == FinishReason.ERROR) {
            s.result.complete(new Generation("", reason, s.cachedIds.length, s.outputCount, s.sumLogProb, t, error));
        } else {
            s.result.complete(new Generation(text, reason, s.targetIds.length, s.outputCount, s.sumLogProb, t, null));
        }
        // A cache not yet in the decode batch stays until close() and keeps its reservation for the tokens it
        // used; the batch drops a finished session's row at the next step.
        long used = s.inBatch || s.cache == null ? 0 : s.cache.length();
        long free = Math.max(0, s.reservedTokens - used);
        reservedTokens -= free;
        s.reservedTokens -= (int) free;
    }

    private void failAll(String message) {
        List<DjlSession> all = new ArrayList<>(decoding);
        all.addAll(prefillQueue);
        all.addAll(admissionQueue);
        for (DjlSession s : all) {
            finish(s, FinishReason.ERROR, message);
            release(s);
        }
        decoding.clear();
        batchRows.forEach(s -> s.inBatch = false);
        batchRows.clear();
        batch.clear();
        prefillQueue.clear();
        admissionQueue.clear();
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        submit(() -> failAll("engine '" + name + "' closed"));
        submit(() -> running = false);
        try {
            scheduler.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        if (share != null) {
            share.leave();
        }
        batch.close();
        codec.close();
        model.close();
        manager.close();
    }

    /** Whether libtorch sees a CUDA device. */
    static boolean gpuAvailable() {
        return Engine.getEngine("PyTorch").getGpuCount() > 0;
    }
}
