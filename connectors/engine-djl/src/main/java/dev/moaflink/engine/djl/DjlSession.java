package dev.moaflink.engine.djl;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;

/**
 * A session of the DJL engine. The caller's thread only tokenises and hands work to the engine's scheduler
 * ({@link SchedulerLoop}); everything touching tensors happens there. The state below "scheduler state" belongs to the
 * scheduler thread: only methods called there read or change it.
 */
final class DjlSession implements EngineSession, QueryOrder.Ordered {

    /**
     * Text appended ahead of generate is re-tokenised from the last word boundary at least this many characters
     * before its end; the ids before it are kept (a long prompt streamed in chunks costs linear, not quadratic,
     * tokenisation on the caller's thread). Generate tokenises the whole prompt once.
     */
    static final int RETOKENIZE_CHARS = 256;

    private final SessionRequest request;
    private final TextCodec codec;
    private final KvBudget budget;
    private final SchedulerLoop scheduler;

    // --- callers' threads ---
    private final StringBuilder text = new StringBuilder();
    /** text[0, stableChars) is tokenised as stableIds (tokenizers that split at words only). */
    private int stableChars;
    private int[] stableIds = new int[0];
    private volatile int promptTokens;
    private boolean generateCalled;
    private volatile boolean cancelRequested;
    private volatile boolean closed;
    /** When generate was called (caller's thread), 0 before: prefill after it is exposed. */
    private volatile long generateCalledNanos;

    // --- scheduler state ---
    private final PromptTarget prompt = new PromptTarget();
    private final SessionKv kv = new SessionKv();
    private final KvBudget.Reservation reservation = new KvBudget.Reservation();
    private final PhaseTimer timer = new PhaseTimer();
    /** Null until the generate command runs. */
    private GenerationRun run;
    /** Its query's place in the engine's {@link QueryOrder}, set by its first command. */
    private QueryOrder.Ticket ticket;
    private long orderSeq;
    private boolean leftOrder;

    DjlSession(SessionRequest request, TextCodec codec, KvBudget budget, SchedulerLoop scheduler) {
        this.request = request;
        this.codec = codec;
        this.budget = budget;
        this.scheduler = scheduler;
        text.append(codec.chat().head()).append(request.promptPrefix());
        submitText();
    }

    @Override
    public String requestId() {
        return request.requestId();
    }

    @Override
    public synchronized void append(String more) {
        if (generateCalled || cancelRequested || closed) {
            throw new IllegalStateException("append after generate, cancel or close on " + request.requestId());
        }
        text.append(more);
        submitText();
    }

    @Override
    public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
        synchronized (this) {
            if (generateCalled) {
                throw new IllegalStateException("generate called twice on " + request.requestId());
            }
            if (closed) {
                throw new IllegalStateException("generate after close on " + request.requestId());
            }
            generateCalled = true;
            text.append(codec.chat().tail());
        }
        CompletableFuture<Generation> future = new CompletableFuture<>();
        int[] ids = codec.encode(text.toString());
        promptTokens = ids.length;
        String refusal = budget.refusal(ids.length, budget.generationTokens(ids.length, params.maxTokens()));
        if (refusal != null) {
            future.complete(Generation.refused(refusal, ids.length));
            scheduler.release(this);
            return future;
        }
        generateCalledNanos = System.nanoTime();
        scheduler.generate(this, ids, new GenerationRun(params, listener, future, codec));
        return future;
    }

    private void submitText() {
        int[] ids = appendedIds();
        promptTokens = ids.length;
        String refusal = budget.refusal(ids.length, ids.length);
        if (refusal != null) {
            throw new RequestRefusedException(refusal);
        }
        scheduler.prompt(this, ids);
    }

    /**
     * The ids of the text so far, re-tokenising only what follows the last stable word boundary; the boundary then
     * moves up to {@link #RETOKENIZE_CHARS} before the end.
     */
    int[] appendedIds() {
        if (!codec.splitsAtWords()) {
            return codec.encode(text.toString());
        }
        int[] tail = stableChars == 0 ? codec.encode(text.toString())
                : codec.encodeContinuation(text.substring(stableChars));
        int[] ids = concat(stableIds, tail);
        int cut = TextCodec.wordBoundary(text, stableChars, text.length() - RETOKENIZE_CHARS);
        if (cut > stableChars) {
            String stable = text.substring(stableChars, cut);
            stableIds = concat(stableIds, stableChars == 0 ? codec.encode(stable) : codec.encodeContinuation(stable));
            stableChars = cut;
        }
        return ids;
    }

    private static int[] concat(int[] a, int[] b) {
        if (a.length == 0) {
            return b;
        }
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void cancel() {
        cancelRequested = true;
        scheduler.cancel(this);
    }

    @Override
    public int promptTokens() {
        return promptTokens;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancelRequested = true;
        scheduler.release(this);
    }

    // ------------------------------------------------------------------ read from any thread

    boolean cancelRequested() {
        return cancelRequested;
    }

    boolean closed() {
        return closed;
    }

    /** When generate was called, 0 before. */
    long generateCalledNanos() {
        return generateCalledNanos;
    }

    /** The agent level of the request (speculative prefill serves lower levels first). */
    int level() {
        return request.level();
    }

    String queryId() {
        return request.context().queryId();
    }

    /** When its query arrived (epoch ms), 0 when the request does not say. */
    long queryArrivalMs() {
        return request.queryArrivalMs();
    }

    // ------------------------------------------------------------------ scheduler thread

    PromptTarget prompt() {
        return prompt;
    }

    /** Entered into the engine's order: its query's ticket and its own place among sessions. */
    void ordered(QueryOrder.Ticket queryTicket, long seq) {
        ticket = queryTicket;
        orderSeq = seq;
    }

    /** Its query's ticket; null before its first command ran. */
    @Override
    public QueryOrder.Ticket ticket() {
        return ticket;
    }

    /** Leaves the engine's order: true the first time only. */
    boolean leaveOrder() {
        boolean first = !leftOrder;
        leftOrder = true;
        return first;
    }

    /** Its place among the engine's sessions, in the order they came. */
    @Override
    public long orderSeq() {
        return orderSeq;
    }

    SessionKv kv() {
        return kv;
    }

    KvBudget.Reservation reservation() {
        return reservation;
    }

    PhaseTimer timer() {
        return timer;
    }

    /** The generate call being served; null before its command ran. */
    GenerationRun run() {
        return run;
    }

    void start(GenerationRun generation) {
        run = generation;
    }

    /** Whether its generation has completed (with any finish reason). */
    boolean finished() {
        return run != null && run.isDone();
    }

    /** Completes the generation, once, and gives back the reservation it will no longer use. */
    void finish(FinishReason reason, String error) {
        if (run == null || run.isDone()) {
            return;
        }
        PhaseTimings t = timer.timings(System.nanoTime(), generateCalledNanos);
        if (reason == FinishReason.ERROR) {
            run.complete(new Generation("", reason, kv.cachedTokens(), run.tokens(), run.sumLogProb(), t, error));
        } else {
            run.complete(new Generation(run.text(), reason, prompt.ids().length, run.tokens(), run.sumLogProb(), t,
                    null, Math.min(kv.reusedTokens(), prompt.ids().length)));
        }
        // A cache not yet in the decode batch stays until close() and keeps its reservation for the tokens it
        // used; the batch drops a finished session's row at the next step.
        budget.shrink(reservation, kv.heldOutsideBatch());
    }
}
