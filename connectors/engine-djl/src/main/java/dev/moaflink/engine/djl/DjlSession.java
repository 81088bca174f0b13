package dev.moaflink.engine.djl;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;

/**
 * A session of the DJL engine. The caller's thread only tokenises and hands work to the engine's scheduler;
 * everything touching tensors happens there. Fields below "scheduler state" belong to the scheduler thread.
 */
final class DjlSession implements EngineSession {

    final DjlEngine engine;
    final SessionRequest request;
    /**
     * Text appended ahead of generate is re-tokenised from the last word boundary at least this many characters
     * before its end; the ids before it are kept (a long prompt streamed in chunks costs linear, not quadratic,
     * tokenisation on the caller's thread). Generate tokenises the whole prompt once.
     */
    static final int RETOKENIZE_CHARS = 256;

    private final StringBuilder text = new StringBuilder();
    /** text[0, stableChars) is tokenised as stableIds (tokenizers that split at words only). */
    private int stableChars;
    private int[] stableIds = new int[0];
    private volatile int promptTokens;
    private boolean generateCalled;
    volatile boolean cancelRequested;
    volatile boolean closed;
    /** When generate was called (caller's thread), 0 before: prefill after it is exposed. */
    volatile long generateCalledNanos;

    // --- scheduler state ---
    /** The latest tokenisation of the prompt and whether it is final (generate was called). */
    int[] targetIds = new int[0];
    boolean targetFinal;
    /** The whole prompt's ids once generate was called; becomes the target when admitted. */
    int[] finalIds;
    KvCache cache;
    int[] cachedIds = new int[0];
    int reservedTokens;
    GenerationParams params;
    TokenListener listener;
    CompletableFuture<Generation> result;
    Sampler sampler;
    int[] output;
    int outputCount;
    String outputText = "";
    final Detokenizer detokenizer = new Detokenizer();
    double sumLogProb;
    int pendingToken = -1;
    /** Decoding in the engine's decode batch (its keys and values live there, not in {@link #cache}). */
    boolean inBatch;
    boolean decoding;
    long generateAtNanos;
    long queueNanos;
    long waitingSinceNanos = -1;
    long prefillNanos;
    long prefillExposedNanos;
    long decodeStartNanos;
    long firstTokenNanos = -1;

    DjlSession(DjlEngine engine, SessionRequest request) {
        this.engine = engine;
        this.request = request;
        String head = engine.codec().chat().head();
        text.append(head).append(request.promptPrefix());
        submitText(false);
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
        submitText(false);
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
            text.append(engine.codec().chat().tail());
        }
        CompletableFuture<Generation> future = new CompletableFuture<>();
        int[] ids = engine.codec().encode(text.toString());
        promptTokens = ids.length;
        int needed = Math.min(engine.llama().config().maxPositions(), ids.length + params.maxTokens());
        String refusal = engine.refusal(ids.length, needed);
        if (refusal != null) {
            future.complete(Generation.refused(refusal, ids.length));
            engine.submit(() -> engine.release(this));
            return future;
        }
        long now = System.nanoTime();
        generateCalledNanos = now;
        engine.submit(() -> engine.startGenerate(this, ids, params, listener, future, now));
        return future;
    }

    private void submitText(boolean last) {
        int[] ids = appendedIds();
        promptTokens = ids.length;
        String refusal = engine.refusal(ids.length, ids.length);
        if (refusal != null) {
            throw new RequestRefusedException(refusal);
        }
        engine.submit(() -> engine.updatePrompt(this, ids, last));
    }

    /**
     * The ids of the text so far, re-tokenising only what follows the last stable word boundary; the boundary then
     * moves up to {@link #RETOKENIZE_CHARS} before the end.
     */
    int[] appendedIds() {
        TextCodec codec = engine.codec();
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
        engine.submit(() -> engine.cancelled(this));
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
        engine.submit(() -> engine.release(this));
    }
}
