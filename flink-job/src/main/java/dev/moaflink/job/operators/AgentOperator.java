package dev.moaflink.job.operators;

import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.metrics.ModelMetrics;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.schema.NodeStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * Runs agent calls on shared engines (one model, or every model of a level) without ever blocking the task
 * thread.
 *
 * <p>Each call opens an engine session; tokens stream back on engine threads and are handed to this
 * operator's mailbox, which emits them downstream as {@link AgentChunk}s every {@code chunk_tokens} tokens,
 * then a last chunk with the whole result. Calls run unordered; at most {@code capacity} per model served
 * are in flight, and
 * past that the operator yields to its mailbox instead of reading input, so backpressure reaches the
 * source. A call still running after {@code timeout_ms} is cancelled; one that failed transiently (engine error,
 * exception, timeout) before streaming anything runs again after a backoff, at most {@code agent.retries} times;
 * then, or at once for a refusal, it is reported as a FAILED node (the answer is built from the rest and flagged
 * degraded), never as a job failure. Calls in flight at a checkpoint are stored and re-run after a restore (engine sessions
 * are not state).
 */
public final class AgentOperator extends AbstractStreamOperator<AgentChunk>
        implements OneInputStreamOperator<AgentCall, AgentChunk>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final AgentSpec spec;
    private final transient MailboxExecutor mailbox;

    private transient Map<String, EngineRegistry.Lease> leases;
    /** Per model served: its engine and what its (constant) info says, read once instead of per call. */
    private transient Map<String, Served> served;
    // The prompt context of the last query started: a query's calls arrive together, so most calls reuse it.
    private transient QueryTask lastQuery;
    private transient PromptContext lastContext;
    private transient Thread taskThread;
    private transient int replica;
    private transient Set<InFlight> inFlight;
    /** Calls waiting for their retry's backoff to pass. */
    private transient Set<InFlight> waiting;
    private transient Counter retries;
    private transient Counter failures;
    /** Sessions opened ahead of their RUN (prefill/decode overlap), by request id. */
    private transient Map<String, Opened> opened;
    private transient int capacity;
    private transient ListState<AgentCall> inFlightState;
    private transient List<AgentCall> restored;

    AgentOperator(StreamOperatorParameters<AgentChunk> parameters, AgentSpec spec, MailboxExecutor mailbox) {
        super(parameters);
        this.spec = spec;
        this.mailbox = mailbox;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        inFlightState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("agent-calls-in-flight", TypeInformation.of(AgentCall.class)));
        restored = new ArrayList<>();
        if (context.isRestored()) {
            inFlightState.get().forEach(restored::add);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        leases = new HashMap<>();
        spec.engines().forEach((model, engineSpec) -> leases.put(model, EngineRegistry.global().acquire(engineSpec)));
        served = new HashMap<>();
        leases.forEach((model, lease) -> served.put(model, new Served(lease.engine(),
                new ModelMetrics(getMetricGroup(), model, lease.engine()))));
        taskThread = Thread.currentThread();
        replica = spec.replica() >= 0 ? spec.replica() : getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        inFlight = new HashSet<>(); // identity-hashed: no key strings on the hot path
        waiting = new HashSet<>();
        retries = getMetricGroup().counter("agentRetries");
        failures = getMetricGroup().counter("agentFailures");
        opened = new HashMap<>();
        capacity = spec.settings().capacity() * spec.engines().size();
        for (AgentCall call : restored) {
            start(call);
        }
        restored = null;
    }

    @Override
    public void processElement(StreamRecord<AgentCall> element) throws Exception {
        while (inFlight.size() >= capacity) {
            mailbox.yield();
        }
        start(element.getValue());
    }

    /** Number of calls running now (tests assert it drains to zero). */
    int inFlightCount() {
        return inFlight.size() + waiting.size();
    }

    private void start(AgentCall call) {
        switch (call.phase()) {
            case OPEN -> {
                openAhead(call);
                return;
            }
            case APPEND -> {
                appendAhead(call);
                return;
            }
            case RUN -> { }
        }
        Opened ahead = opened.isEmpty() ? null : opened.remove(call.requestId());
        boolean stopped = RunningAgents.claimTombstone(call.requestId());
        if (ahead != null && (call.consensus() != null || call.skip() || stopped)) {
            ahead.close();
            ahead = null;
        }
        if (stopped) {
            // Stopped by a collector (early exit or a settled bypass upstream of it) before it could start.
            emitFinal(new InFlight(call, System.currentTimeMillis()), "", NodeStatus.CANCELLED, PhaseTimings.ZERO, 0, 0,
                    0.0, "cancelled before it started");
            return;
        }
        if (call.consensus() != null) {
            emitBypassed(call);
            return;
        }
        if (call.skip()) {
            emitFinal(new InFlight(call, System.currentTimeMillis()), "", NodeStatus.SKIPPED, PhaseTimings.ZERO, 0, 0,
                    0.0, "no usable inputs");
            return;
        }
        InFlight f = new InFlight(call, System.currentTimeMillis());
        Served engine = served.get(call.model());
        if (engine == null) {
            emitFinal(f, "", NodeStatus.FAILED, PhaseTimings.ZERO, 0, 0, 0.0, "this agent operator has no engine for model '"
                    + call.model() + "' (serves " + leases.keySet() + ")");
            return;
        }
        f.engine = engine;
        launch(f, ahead);
    }

    /** Opens (or reuses) the call's engine session, sends its prompt and starts the generation. */
    private void launch(InFlight f, Opened ahead) {
        AgentCall call = f.call;
        Served engine = f.engine;
        try {
            String whole = ahead == null ? null : String.join("", call.promptParts());
            if (ahead != null && ahead.engine == engine && whole.startsWith(ahead.appended.toString())) {
                // Overlap: most of the prompt is prefilled already; only the rest is appended now.
                f.session = ahead.session;
                f.startedAtMs = ahead.openedAtMs;
                ahead.cancelTimer();
                f.session.append(whole.substring(ahead.appended.length()));
            } else {
                if (ahead != null) {
                    ahead.close();
                }
                SessionRequest request = new SessionRequest(f.requestId, call.promptPrefix(), context(call.query()),
                        role(call), call.level());
                f.session = engine.engine instanceof dev.moaflink.engine.simulation.Simulator sim
                        ? sim.open(request, call.query().gold()) : engine.engine.open(request);
                f.openedAtRun = !engine.virtualTime;
                double[] ready = call.partReadyMs();
                if (ready != null && engine.virtualTime) {
                    // Overlap on the engine clock: prefix from the open, each part when it became available.
                    var clocked = (dev.moaflink.engine.simulation.SimulatedSession) f.session;
                    clocked.at(call.openOffsetMs());
                    String[] parts = call.promptParts();
                    for (int i = 0; i < parts.length; i++) {
                        clocked.at(Math.max(call.openOffsetMs(), ready[i]));
                        clocked.append(parts[i]);
                    }
                    clocked.at(Math.max(call.openOffsetMs(), call.readyOffsetMs()));
                } else {
                    for (String part : call.promptParts()) {
                        f.session.append(part);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (f.session != null) {
                f.session.close();
                f.session = null;
            }
            String why = "engine refused the call: " + e.getMessage();
            if (!(e instanceof RequestRefusedException) && retry(f, why, false)) {
                return;
            }
            failures.inc();
            emitFinal(f, "", NodeStatus.FAILED, PhaseTimings.ZERO, 0, 0, 0.0, attempts(f, why));
            return;
        }
        CompletableFuture<Generation> done = f.session.generate(params(f), new ChunkingListener(f));
        if (done.isDone()) {
            // Completed synchronously (virtual-time engines): no bookkeeping, no timer, no callback.
            if (done.isCompletedExceptionally()) {
                done.whenComplete((g, err) -> complete(f, g, err));
            } else {
                complete(f, done.getNow(null), null);
            }
            return;
        }
        // Tracked before any completion can run: engine-thread completions reach us through the mailbox.
        inFlight.add(f);
        engine.metrics.started();
        RunningAgents.register(f.session); // early exit cancels siblings through it
        long deadline = getProcessingTimeService().getCurrentProcessingTime() + spec.settings().timeoutMs();
        f.timeout = getProcessingTimeService().registerTimer(deadline, t -> onTimeout(f));
        if (spec.announceStart() && f.seq == 0 && ahead == null) {
            // An empty first chunk: the node has started, so that with overlap its parents open their sessions and
            // prefill their prompt prefix now, while this node prefills and decodes, not when its first output
            // chunk (for a short answer: all of it) arrives. Through the mailbox: it runs once the current input is
            // done (the router hands over all of a query's first-level calls in one go), so that every sibling
            // starts before the parents are opened (opening one tokenises its prompt on this thread); it stays ahead
            // of this call's own chunks and result, which come through the mailbox after it.
            announce(f);
        }
        done.whenComplete((g, err) -> onTask(() -> complete(f, g, err)));
    }

    /**
     * Bounded retries: a call that failed transiently before it streamed anything downstream runs again on a fresh
     * session after a backoff (doubled per attempt), up to {@code agent.retries} times. Returns false when it may
     * not, and the failure stands.
     */
    private boolean retry(InFlight f, String why, boolean cancel) {
        JobConfig.AgentSettings s = spec.settings();
        if (f.attempt > s.retries() || f.emittedChars > 0) {
            return false;
        }
        f.finished = true; // a late completion of this attempt is ignored
        if (inFlight.remove(f)) {
            f.engine.metrics.ended();
        }
        f.engine.metrics.retried();
        if (f.timeout != null) {
            f.timeout.cancel(false);
        }
        if (f.session != null) {
            RunningAgents.unregister(f.session);
            if (cancel) {
                f.session.cancel();
            }
            f.session.close();
        }
        InFlight next = new InFlight(f.call, f.startedAtMs);
        next.engine = f.engine;
        next.attempt = f.attempt + 1;
        retries.inc();
        long delay = s.retryBackoffMs() << Math.min(20, f.attempt - 1);
        waiting.add(next);
        next.timeout = getProcessingTimeService().registerTimer(
                getProcessingTimeService().getCurrentProcessingTime() + delay, t -> {
                    if (waiting.remove(next)) {
                        next.timeout = null;
                        launch(next, null);
                    }
                });
        return true;
    }

    private static String attempts(InFlight f, String why) {
        return f.attempt == 1 ? why : "failed after " + f.attempt + " attempts; last: " + why;
    }

    private static SessionRequest.Role role(AgentCall call) {
        return call.level() == 1 ? SessionRequest.Role.PROPOSER : SessionRequest.Role.AGGREGATOR;
    }

    /**
     * Overlap: opens the node's session now, so that its prefix is prefilled while its inputs decode. A session
     * whose RUN never comes (its query's collector state was lost) is closed after the call timeout.
     */
    private void openAhead(AgentCall call) {
        Served engine = served.get(call.model());
        if (engine == null || opened.containsKey(call.requestId()) || RunningAgents.isTombstoned(call.requestId())) {
            return; // the RUN reports the missing engine, or the stop
        }
        try {
            EngineSession session = engine.engine.open(new SessionRequest(call.requestId(), call.promptPrefix(),
                    context(call.query()), role(call), call.level()));
            Opened o = new Opened(call.requestId(), engine, session, System.currentTimeMillis());
            long deadline = getProcessingTimeService().getCurrentProcessingTime() + spec.settings().timeoutMs();
            o.timer = getProcessingTimeService().registerTimer(deadline, t -> {
                if (opened.remove(o.requestId, o)) {
                    o.session.close();
                }
            });
            opened.put(call.requestId(), o);
            if (spec.announceStart()) {
                // Opened ahead is started too: its own parents open now and prefill their prefix while the inputs
                // still decode, instead of when this node runs (the launch does not announce it again).
                QueryTask q = call.query();
                output.collect(new StreamRecord<>(new AgentChunk(q.id(), call.nodeId(), 0, "", 0, false, q, null)));
            }
        } catch (RuntimeException e) {
            // The RUN opens a fresh session and reports the engine's refusal.
        }
    }

    /** Overlap: appends an input's newly streamed text to the node's open session (incremental prefill). */
    private void appendAhead(AgentCall call) {
        Opened o = opened.get(call.requestId());
        if (o == null) {
            return; // the RUN carries the whole prompt
        }
        for (String part : call.promptParts()) {
            try {
                o.session.append(part);
                o.appended.append(part);
            } catch (RuntimeException e) {
                opened.remove(o.requestId);
                o.close();
                return;
            }
        }
    }

    private PromptContext context(QueryTask q) {
        if (q != lastQuery) {
            lastContext = new PromptContext(q.id(), q.taskType(),
                    q.choices() == null ? List.of() : Arrays.asList(q.choices()));
            lastQuery = q;
        }
        return lastContext;
    }

    private GenerationParams params(InFlight f) {
        JobConfig.AgentSettings s = spec.settings();
        return new GenerationParams(s.maxTokens(), s.temperature(), s.topP(),
                s.seed() ^ f.requestId.hashCode(), List.of());
    }

    private void complete(InFlight f, Generation g, Throwable err) {
        if (f.finished) {
            return; // already timed out
        }
        if (err != null || g == null) {
            String msg = err == null ? "engine returned no result" : String.valueOf(err.getMessage());
            if (retry(f, msg, false)) {
                return;
            }
            failures.inc();
            finish(f, "", NodeStatus.FAILED, PhaseTimings.ZERO, f.session.promptTokens(), 0, 0.0, attempts(f, msg));
            return;
        }
        if (g.finishReason() == FinishReason.ERROR && retry(f, g.error(), false)) {
            return;
        }
        NodeStatus status = switch (g.finishReason()) {
            case STOP, LENGTH -> NodeStatus.RAN;
            case CANCELLED -> NodeStatus.CANCELLED;
            case ERROR, REFUSED -> NodeStatus.FAILED;
        };
        boolean failed = status == NodeStatus.FAILED;
        if (failed) {
            failures.inc();
        }
        String text = failed ? "" : g.text();
        PhaseTimings t = g.timings();
        if (f.openedAtRun && t.prefillExposedMs() < t.prefillMs()) {
            // Opened after its last input arrived: all of its prefill is exposed, also the part of the prefix a
            // real-time engine happened to run before generate reached it.
            t = new PhaseTimings(t.queueMs(), t.prefillMs(), t.prefillMs(), t.decodeMs(), t.firstTokenMs());
        }
        finish(f, text, status, t, g.promptTokens(), g.outputTokens(), g.confidence(),
                failed ? attempts(f, g.error()) : g.error());
    }

    private void onTimeout(InFlight f) {
        if (f.finished) {
            return;
        }
        String why = "timed out after " + spec.settings().timeoutMs() + " ms";
        if (retry(f, why, true)) {
            return;
        }
        failures.inc();
        // Recorded as FAILED first: an engine may complete the cancelled generation on this very thread.
        finish(f, "", NodeStatus.FAILED, PhaseTimings.ZERO, f.session.promptTokens(), 0, 0.0, attempts(f, why));
        f.session.cancel();
    }

    private void finish(InFlight f, String text, NodeStatus status, PhaseTimings t, int promptTokens,
                        int outputTokens, double confidence, String error) {
        f.finished = true;
        if (inFlight.remove(f)) {
            f.engine.metrics.ended();
        }
        RunningAgents.unregister(f.session);
        if (f.timeout != null) {
            f.timeout.cancel(false);
        }
        f.session.close();
        emitFinal(f, text, status, t, promptTokens, outputTokens, confidence, error);
    }

    private void emitFinal(InFlight f, String text, NodeStatus status, PhaseTimings t, int promptTokens,
                           int outputTokens, double confidence, String error) {
        AgentCall call = f.call;
        QueryTask q = call.query();
        if (f.engine != null) {
            f.engine.metrics.finished(status, t, promptTokens, outputTokens);
        }
        boolean simulated = f.engine != null && f.engine.simulated;
        boolean virtualTime = f.engine != null && f.engine.virtualTime;
        // After its inputs were ready, a node waits for its engine, prefills what is left, and decodes.
        double busy = t.queueMs() + t.prefillExposedMs() + t.decodeMs();
        double start;
        double end;
        if (virtualTime) {
            start = call.partReadyMs() != null ? Math.min(call.openOffsetMs(), call.readyOffsetMs()) : call.readyOffsetMs();
            end = call.readyOffsetMs() + busy;
        } else {
            start = f.startedAtMs - q.submittedAtMs();
            end = System.currentTimeMillis() - q.submittedAtMs();
        }
        String extracted = status == NodeStatus.RAN ? AnswerExtractor.extract(text, q.taskType(), q.choices()) : null;
        NodeTrace trace = new NodeTrace(call.nodeId(), call.level(), call.model(), spec.worker(), replica, status,
                call.inputs(), t.queueMs(), t.prefillMs(), t.prefillExposedMs(), t.decodeMs(), t.firstTokenMs(),
                start, end, promptTokens, outputTokens, confidence, extracted, error, simulated, virtualTime, false,
                call.voteShare());
        String tail = text.length() > f.emittedChars ? text.substring(f.emittedChars) : "";
        NodeResult result = new NodeResult(q, text, trace, call.upstreamCriticalMs() + busy, call.upstream());
        output.collect(new StreamRecord<>(new AgentChunk(q.id(), call.nodeId(), f.seq++, tail, result)));
    }

    /**
     * A bypassed aggregator (its inputs agreed): no engine call; its output is the consensus, at the time its
     * inputs were ready, in the clock of the engine that would have run it.
     */
    private void emitBypassed(AgentCall call) {
        QueryTask q = call.query();
        AgentCall.Consensus c = call.consensus();
        Served engine = served.get(call.model());
        boolean simulated = engine != null && engine.simulated;
        boolean virtualTime = engine != null && engine.virtualTime;
        double at = virtualTime ? call.readyOffsetMs() : System.currentTimeMillis() - q.submittedAtMs();
        NodeTrace trace = new NodeTrace(call.nodeId(), call.level(), call.model(), spec.worker(), replica,
                NodeStatus.SKIPPED, call.inputs(), 0, 0, 0, 0, 0, at, at, 0, 0, c.confidence(), c.answer(), null,
                simulated, virtualTime, true, call.voteShare());
        NodeResult result = new NodeResult(q, c.text(), trace, call.upstreamCriticalMs(), call.upstream());
        output.collect(new StreamRecord<>(new AgentChunk(q.id(), call.nodeId(), 0, c.text(), result)));
    }

    private void emitChunk(InFlight f, String delta, int tokens) {
        if (f.finished) {
            return;
        }
        f.emittedChars += delta.length();
        boolean virtual = f.engine.virtualTime;
        QueryTask q = f.call.query();
        output.collect(new StreamRecord<>(new AgentChunk(q.id(), f.call.nodeId(), f.seq, delta, tokens, virtual,
                f.seq == 0 ? q : null, null)));
        f.seq++;
    }

    private void announce(InFlight f) {
        try {
            mailbox.execute(() -> {
                if (f.seq == 0) {
                    emitChunk(f, "", 0);
                }
            }, "agent started");
        } catch (RejectedExecutionException closing) {
            // The task is shutting down.
        }
    }

    /** Runs on the task thread: directly when already there (virtual-time engines), else through the mailbox. */
    private void onTask(ThrowingRunnable<? extends Exception> action) {
        if (Thread.currentThread() == taskThread) {
            try {
                action.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        try {
            mailbox.execute(action, "agent result");
        } catch (RejectedExecutionException closing) {
            // The task is shutting down; in-flight calls are re-run from checkpointed state on restore.
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<AgentCall> calls = new ArrayList<>(inFlight.size());
        inFlight.forEach(f -> calls.add(f.call));
        waiting.forEach(f -> calls.add(f.call));
        inFlightState.update(calls);
    }

    @Override
    public void endInput() throws Exception {
        while (!inFlight.isEmpty() || !waiting.isEmpty()) {
            mailbox.yield();
        }
    }

    @Override
    public void finish() throws Exception {
        endInput();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (opened != null) {
                opened.values().forEach(Opened::close);
                opened.clear();
            }
            if (inFlight != null) {
                for (InFlight f : inFlight) {
                    f.finished = true;
                    RunningAgents.unregister(f.session);
                    if (f.timeout != null) {
                        f.timeout.cancel(false);
                    }
                    f.session.close();
                }
                inFlight.clear();
            }
            if (waiting != null) {
                waiting.forEach(f -> f.timeout.cancel(false));
                waiting.clear();
            }
        } finally {
            if (leases != null) {
                leases.values().forEach(EngineRegistry.Lease::close);
                leases = null;
            }
            super.close();
        }
    }

    /** A session opened ahead of its RUN, and the prompt appended to it so far (task thread only). */
    private static final class Opened {
        final String requestId;
        final Served engine;
        final EngineSession session;
        final long openedAtMs;
        final StringBuilder appended = new StringBuilder();
        ScheduledFuture<?> timer;

        Opened(String requestId, Served engine, EngineSession session, long openedAtMs) {
            this.requestId = requestId;
            this.engine = engine;
            this.session = session;
            this.openedAtMs = openedAtMs;
        }

        void cancelTimer() {
            if (timer != null) {
                timer.cancel(false);
            }
        }

        void close() {
            cancelTimer();
            session.close();
        }
    }

    /** A call being served. Fields other than the listener's are touched only on the task thread. */
    private static final class InFlight {
        final AgentCall call;
        long startedAtMs;
        final String requestId;
        Served engine;
        EngineSession session;
        ScheduledFuture<?> timeout;
        boolean finished;
        int seq;
        int emittedChars;
        int attempt = 1;
        /** The session was opened by the RUN on a real-time engine (no overlap): every prefill is after the inputs. */
        boolean openedAtRun;

        InFlight(AgentCall call, long startedAtMs) {
            this.call = call;
            this.startedAtMs = startedAtMs;
            this.requestId = call.requestId();
        }
    }

    /** An engine this operator serves, with its info's flags. */
    private static final class Served {
        final LlmEngine engine;
        final boolean simulated;
        final boolean virtualTime;
        final ModelMetrics metrics;

        Served(LlmEngine engine, ModelMetrics metrics) {
            this.engine = engine;
            EngineInfo info = engine.info();
            this.simulated = info.simulated();
            this.virtualTime = info.virtualTime();
            this.metrics = metrics;
        }
    }

    /** Groups streamed tokens into chunks on the engine thread and hands each chunk to the task thread. */
    private final class ChunkingListener implements TokenListener {
        private final InFlight f;
        private final int chunkTokens = spec.settings().chunkTokens();
        private final StringBuilder pending = new StringBuilder();
        private int tokens;

        ChunkingListener(InFlight f) {
            this.f = f;
        }

        @Override
        public void onToken(dev.moaflink.engine.Token token) {
            if (chunkTokens == 0) {
                return;
            }
            pending.append(token.text());
            if (++tokens % chunkTokens == 0) {
                String delta = pending.toString();
                int upTo = tokens;
                pending.setLength(0);
                onTask(() -> emitChunk(f, delta, upTo));
            }
        }
    }
}
