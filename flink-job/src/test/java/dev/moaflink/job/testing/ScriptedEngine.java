package dev.moaflink.job.testing;

import dev.moaflink.engine.EngineException;
import dev.moaflink.engine.EngineFactory;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.TokenListener;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test engine whose sessions the test drives by hand (option {@code mode}): {@code manual} sessions wait
 * for {@link #session(String)}'s {@code finish}/{@code fail}; {@code refuse} refuses at open (a request that can
 * never fit); {@code flaky} throws a transient error at the first open after {@link #reset()}, then behaves like
 * {@code manual}. Used to check
 * operator behaviour (timeouts, failures, state cleanup) that a well-behaved engine never shows.
 */
public final class ScriptedEngine implements LlmEngine {

    private static final Map<String, Scripted> SESSIONS = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger OPENS = new java.util.concurrent.atomic.AtomicInteger();
    public static final Set<String> CLOSED_ENGINES = ConcurrentHashMap.newKeySet();

    static final EngineInfo INFO = new EngineInfo("scripted", false, false, true);

    private final EngineSpec spec;

    ScriptedEngine(EngineSpec spec) {
        this.spec = spec;
    }

    public static Scripted session(String requestId) {
        return SESSIONS.get(requestId);
    }

    public static void reset() {
        SESSIONS.clear();
        CLOSED_ENGINES.clear();
        OPENS.set(0);
    }

    @Override
    public String model() {
        return spec.model();
    }

    @Override
    public EngineInfo info() {
        return INFO;
    }

    @Override
    public EngineSession open(SessionRequest request) {
        if (spec.option("mode", "manual").equals("refuse")) {
            throw new RequestRefusedException("prompt does not fit the KV budget");
        }
        if (spec.option("mode", "manual").equals("flaky") && OPENS.incrementAndGet() <= 1) {
            throw new EngineException("connection reset by the model server");
        }
        Scripted s = new Scripted(request.requestId(), request.promptPrefix());
        SESSIONS.put(request.requestId(), s);
        return s;
    }

    @Override
    public void close() {
        CLOSED_ENGINES.add(spec.model());
    }

    /** A session completed by the test. */
    public static final class Scripted implements EngineSession {
        private final String id;
        private final StringBuilder prompt;
        private final CompletableFuture<Generation> done = new CompletableFuture<>();
        private TokenListener listener;
        public volatile boolean cancelled;
        public volatile boolean closed;

        Scripted(String id, String prefix) {
            this.id = id;
            this.prompt = new StringBuilder(prefix);
        }

        public String prompt() {
            return prompt.toString();
        }

        /**
         * Streams {@code tokens} then finishes with STOP, from the calling (test) thread; timings: queue 1, prefill 2
         * of which 0.5 after generate, decode 3, first token 4 ms.
         */
        public void finish(String... tokens) {
            StringBuilder text = new StringBuilder();
            for (String t : tokens) {
                listener.onToken(new Token(t.hashCode(), t, -0.1f));
                text.append(t);
            }
            done.complete(new Generation(text.toString(), FinishReason.STOP, 10, tokens.length, -0.1 * tokens.length,
                    new PhaseTimings(1, 2, 0.5, 3, 4), null));
        }

        public void fail(String message) {
            done.complete(Generation.failed(message, 10, PhaseTimings.ZERO));
        }

        /** Streams {@code tokens}, then fails (an engine that dies mid-generation). */
        public void streamThenFail(String message, String... tokens) {
            for (String t : tokens) {
                listener.onToken(new Token(t.hashCode(), t, -0.1f));
            }
            fail(message);
        }

        @Override
        public String requestId() {
            return id;
        }

        @Override
        public void append(String text) {
            prompt.append(text);
        }

        @Override
        public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
            this.listener = listener;
            return done;
        }

        /** Like an engine: a cancelled generation completes with CANCELLED (and nothing more is streamed). */
        @Override
        public void cancel() {
            cancelled = true;
            done.complete(new Generation("", FinishReason.CANCELLED, 10, 0, 0, new PhaseTimings(1, 2, 2, 0, 0), null));
        }

        @Override
        public int promptTokens() {
            return prompt.length() / 4;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Registered through META-INF/services in test resources; backend name {@code scripted}. */
    public static final class Factory implements EngineFactory {
        @Override
        public String backend() {
            return "scripted";
        }

        @Override
        public void validate(EngineSpec spec) {
            String mode = spec.option("mode", "manual");
            if (!mode.equals("manual") && !mode.equals("refuse") && !mode.equals("flaky")) {
                throw new IllegalArgumentException("mode must be manual, refuse or flaky, was " + mode);
            }
        }

        @Override
        public EngineInfo describe(EngineSpec spec) {
            validate(spec);
            return INFO;
        }

        @Override
        public LlmEngine create(EngineSpec spec) {
            return new ScriptedEngine(spec);
        }
    }
}
