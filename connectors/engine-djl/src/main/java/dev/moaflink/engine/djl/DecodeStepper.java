package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDManager;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Token;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoding sessions and their batched decode steps (continuous batching: sessions join and leave between
 * steps): samples each row's next token, streams it, and ends generations on EOS, a stop sequence, max_tokens or the
 * model's context. Scheduler thread only (tests and benchmarks read {@link #steps}).
 */
final class DecodeStepper {

    private static final Logger LOG = LoggerFactory.getLogger(DecodeStepper.class);

    private final NDManager manager;
    private final LlamaModel model;
    private final TextCodec codec;
    private final int maxBatch;
    private final boolean ignoreEos;
    private final List<DjlSession> decoding = new ArrayList<>();
    private final Collection<DjlSession> decodingView = Collections.unmodifiableList(decoding);
    /** Keys and values of the sessions decoding together; row i belongs to batchRows.get(i). */
    private final DecodeBatch batch;
    private final List<DjlSession> batchRows = new ArrayList<>();
    private final QueryOrder order;
    private long steps;

    DecodeStepper(NDManager manager, LlamaModel model, TextCodec codec, DecodeBatch batch, QueryOrder order,
                  DjlOptions options) {
        this.manager = manager;
        this.order = order;
        this.model = model;
        this.codec = codec;
        this.batch = batch;
        this.maxBatch = options.maxBatch();
        this.ignoreEos = options.ignoreEos();
    }

    /** Batched decode steps run so far. */
    long steps() {
        return steps;
    }

    /** The decoding sessions, oldest first (a read-only view). */
    Collection<DjlSession> decoding() {
        return decodingView;
    }

    void remove(DjlSession s) {
        decoding.remove(s);
    }

    /** Drops every row of the decode batch (their sessions have been failed and removed). */
    void clearBatch() {
        batchRows.forEach(s -> s.kv().leftBatch());
        batchRows.clear();
        batch.clear();
    }

    /** A prompt was prefilled: its first token comes from {@code logProbs}; then it decodes, unless that ended it. */
    void start(DjlSession s, float[] logProbs) {
        s.timer().decodeStarted();
        accept(s, logProbs, 0);
        if (!s.finished()) {
            decoding.add(s);
        }
    }

    /**
     * One batched forward for the sessions in the decode batch. Finished sessions leave it first; then waiting
     * decoding sessions join, in the engine's {@link QueryOrder}, up to max_batch (their prefilled cache is copied into the batch and
     * freed). Membership, and so the batch's tensors, change only when a session joins or leaves.
     *
     * @return how long the forward took, in nanoseconds; -1 when no session decodes
     */
    long step() {
        decoding.removeIf(s -> {
            if (s.cancelRequested()) {
                s.finish(FinishReason.CANCELLED, null);
            }
            return s.finished();
        });
        int[] keep = new int[batchRows.size()];
        int kept = 0;
        for (int i = 0; i < batchRows.size(); i++) {
            if (decoding.contains(batchRows.get(i))) {
                keep[kept++] = i;
            } else {
                batchRows.get(i).kv().leftBatch();
            }
        }
        if (kept < batchRows.size()) {
            batch.retain(Arrays.copyOf(keep, kept));
            batchRows.removeIf(s -> !s.kv().inBatch());
        }
        if (batchRows.size() < maxBatch && batchRows.size() < decoding.size()) {
            List<DjlSession> waiting = new ArrayList<>();
            for (DjlSession s : decoding) {
                if (!s.kv().inBatch()) {
                    waiting.add(s);
                }
            }
            waiting.sort(order.comparator(System.currentTimeMillis()));
            for (DjlSession s : waiting) {
                if (batchRows.size() >= maxBatch) {
                    break;
                }
                s.kv().joinBatch(batch);
                batchRows.add(s);
            }
        }
        int b = batchRows.size();
        if (b == 0) {
            return -1;
        }
        int[] tokens = new int[b];
        for (int i = 0; i < b; i++) {
            tokens[i] = batchRows.get(i).run().lastToken();
        }
        float[] logProbs;
        long t0 = System.nanoTime();
        try (NDManager step = manager.newSubManager()) {
            logProbs = model.decode(step, tokens, batch).logSoftmax(-1).toFloatArray();
        }
        long forwardNanos = System.nanoTime() - t0;
        steps++;
        int vocab = model.config().vocabSize();
        for (int i = 0; i < b; i++) {
            DjlSession s = batchRows.get(i);
            s.ticket().served(1);
            accept(s, logProbs, i * vocab);
        }
        return forwardNanos;
    }

    /** Samples from a row of log-probs, streams the token, and ends the generation when it should. */
    private void accept(DjlSession s, float[] logProbs, int offset) {
        GenerationRun run = s.run();
        int id = run.sample(logProbs, offset, model.config().vocabSize());
        float lp = logProbs[offset + id];
        s.timer().tokenSampled();
        if (codec.isEos(id) && !ignoreEos) {
            s.finish(FinishReason.STOP, null);
            return;
        }
        String delta = run.add(id, lp);
        try {
            run.emit(new Token(id, delta, lp));
        } catch (RuntimeException e) {
            LOG.warn("token listener of {} failed; cancelling it", s.requestId(), e);
            s.finish(FinishReason.ERROR, "token listener failed: " + e);
            return;
        }
        if (run.stopped()) {
            s.finish(FinishReason.STOP, null);
            return;
        }
        if (run.full() || s.kv().positions(run.tokens()) + 1 >= model.config().maxPositions()) {
            s.finish(FinishReason.LENGTH, null);
        }
    }
}
