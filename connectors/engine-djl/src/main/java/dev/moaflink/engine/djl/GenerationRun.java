package dev.moaflink.engine.djl;

import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.GenerationTranscript;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.concurrent.CompletableFuture;

/**
 * One generate call of a session: its parameters, sampler, listener and future, and what it has produced. Created on
 * the caller's thread, then used on the engine's scheduler thread only. Text, token count, log-prob sum and stop
 * sequences go through a {@link GenerationTranscript}, as on every engine; the output ids are kept besides for
 * incremental detokenising.
 */
final class GenerationRun {

    private final TokenListener listener;
    private final CompletableFuture<Generation> result;
    private final Sampler sampler;
    private final TextCodec codec;
    private final int maxTokens;
    private final int[] ids;
    private final Detokenizer detokenizer = new Detokenizer();
    private final GenerationTranscript transcript;
    private boolean stopped;

    GenerationRun(GenerationParams params, TokenListener listener, CompletableFuture<Generation> result,
                  TextCodec codec) {
        this.listener = listener;
        this.result = result;
        this.sampler = new Sampler(params);
        this.codec = codec;
        this.maxTokens = params.maxTokens();
        this.ids = new int[maxTokens];
        this.transcript = new GenerationTranscript(params, maxTokens);
    }

    int maxTokens() {
        return maxTokens;
    }

    /** The next token's id, from a row of log-probs read from {@code offset} for {@code vocab} entries. */
    int sample(float[] logProbs, int offset, int vocab) {
        return sampler.pick(logProbs, offset, vocab);
    }

    /** Records an output token; returns the text it adds (empty while it ends in an incomplete character). */
    String add(int id, float logProb) {
        int n = transcript.tokens();
        ids[n] = id;
        String delta = detokenizer.next(codec, ids, n + 1);
        stopped = transcript.add(delta, logProb);
        return delta;
    }

    /** Streams a token to the caller's listener. */
    void emit(Token token) {
        listener.onToken(token);
    }

    /** Whether a stop sequence was completed within the last token added. */
    boolean stopped() {
        return stopped;
    }

    /** Whether max_tokens were produced. */
    boolean full() {
        return transcript.full();
    }

    /** The last output token: the input of the session's next decode step. */
    int lastToken() {
        return ids[transcript.tokens() - 1];
    }

    int tokens() {
        return transcript.tokens();
    }

    double sumLogProb() {
        return transcript.sumLogProb();
    }

    String text() {
        return transcript.text();
    }

    boolean isDone() {
        return result.isDone();
    }

    void complete(Generation generation) {
        result.complete(generation);
    }
}
