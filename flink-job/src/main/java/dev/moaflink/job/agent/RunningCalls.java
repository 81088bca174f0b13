package dev.moaflink.job.agent;

import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.job.backchannel.Backchannel;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.schema.NodeStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * The runs an agent operator has in flight, from their start to their node's result. Each run opens an engine session
 * (or takes over the one opened ahead for it), and its tokens come back on engine threads and are handed to the task
 * thread. A run still going after {@code timeout_ms} is cancelled; one that failed transiently (engine error,
 * exception, timeout) before streaming anything runs again on a fresh session after a backoff (doubled per attempt),
 * at most {@code agent.retries} times; then, or at once for a refusal, its node is reported FAILED (the answer is
 * built from the rest and flagged degraded), never as a job failure. Task thread only.
 */
public final class RunningCalls {

    private final Map<String, ServedModel> models;
    private final CallClock clock;
    private final Backchannel backchannel;
    private final OpenedAhead opened;
    private final AgentOutput output;
    private final JobConfig.AgentSettings settings;
    private final CallSampling sampling;
    private final ProcessingTimeService timers;
    private final TaskThread taskThread;
    private final boolean announceStart;
    private final Counter retries;
    private final Counter failures;
    /** Identity-hashed: no key strings on the hot path. */
    private final Set<CallAttempt> inFlight = new HashSet<>();
    /** Attempts waiting for their retry's backoff to pass. */
    private final Set<CallAttempt> waiting = new HashSet<>();

    /**
     * @param announceStart emit an empty first chunk when a run starts without a session opened ahead (see
     *                      {@link AgentOutput#started})
     */
    public RunningCalls(Map<String, ServedModel> models, CallClock clock, Backchannel backchannel, AgentOutput output,
                        JobConfig.AgentSettings settings, CallSampling sampling, ProcessingTimeService timers,
                        TaskThread taskThread, boolean announceStart, MetricGroup metrics) {
        this.models = models;
        this.clock = clock;
        this.backchannel = backchannel;
        this.opened = new OpenedAhead(timers, settings.timeoutMs());
        this.output = output;
        this.settings = settings;
        this.sampling = sampling;
        this.timers = timers;
        this.taskThread = taskThread;
        this.announceStart = announceStart;
        this.retries = metrics.counter("agentRetries");
        this.failures = metrics.counter("agentFailures");
    }

    /** Runs in flight, retries waiting included. */
    public int count() {
        return inFlight.size() + waiting.size();
    }

    /** The runs in flight, to be re-run after a restore (engine sessions are not state). */
    public List<AgentCall.Run> runs() {
        List<AgentCall.Run> runs = new ArrayList<>(count());
        inFlight.forEach(a -> runs.add(a.call()));
        waiting.forEach(a -> runs.add(a.call()));
        return runs;
    }

    /**
     * Prefill/decode overlap: opens a node's session now, so that its prefix is prefilled while its inputs decode, and
     * with {@code announceStart} says the node has started, so that its own parents open now too.
     */
    public void openAhead(AgentCall.Open call) {
        ServedModel model = models.get(call.model());
        if (model == null || opened.contains(call.requestId()) || backchannel.isStopped(call.requestId())) {
            return; // the run reports the missing engine, or the stop
        }
        if (opened.open(call, model) && announceStart) {
            output.started(call.query(), call.nodeId());
        }
    }

    public void append(AgentCall.Append call) {
        opened.append(call);
    }

    public void start(AgentCall.Run run) {
        OpenedAhead.Opened ahead = opened.take(run.requestId());
        boolean stopped = backchannel.claimStop(run.requestId());
        if (ahead != null && (run.consensus() != null || run.skip() || stopped)) {
            ahead.close();
            ahead = null;
        }
        ServedModel model = models.get(run.model());
        if (stopped) {
            // Stopped by a collector (early exit or a settled bypass upstream of it) before it could start.
            notRun(run, NodeStatus.CANCELLED, "cancelled before it started");
        } else if (run.consensus() != null) {
            output.bypassed(run, model);
        } else if (run.skip()) {
            notRun(run, NodeStatus.SKIPPED, "no usable inputs");
        } else if (model == null) {
            notRun(run, NodeStatus.FAILED, "this agent operator has no engine for model '" + run.model()
                    + "' (serves " + models.keySet() + ")");
        } else {
            launch(new CallAttempt(run, model, System.currentTimeMillis()), ahead);
        }
    }

    private void notRun(AgentCall.Run run, NodeStatus status, String why) {
        output.finished(new CallAttempt(run, null, System.currentTimeMillis()), Outcome.notRun(status, why));
    }

    /** Opens (or takes over) the attempt's engine session, sends its prompt and starts the generation. */
    private void launch(CallAttempt a, OpenedAhead.Opened ahead) {
        AgentCall.Run run = a.call();
        try {
            String whole = ahead == null ? null : String.join("", run.promptParts());
            if (ahead != null && ahead.model() == a.model() && ahead.continuedBy(whole)) {
                // Overlap: most of the prompt is prefilled already; only the rest is appended now.
                ahead.claim();
                a.runOn(ahead.session(), ahead.openedAtMs());
                a.session().append(ahead.rest(whole));
            } else {
                if (ahead != null) {
                    ahead.close();
                }
                a.runOn(clock.openForRun(a.model(), run));
            }
        } catch (RuntimeException e) {
            a.closeSession();
            String why = "engine refused the call: " + e.getMessage();
            if (!(e instanceof RequestRefusedException) && retry(a, why, false)) {
                return;
            }
            failures.inc();
            output.finished(a, Outcome.notRun(NodeStatus.FAILED, attempts(a, why)));
            return;
        }
        CompletableFuture<Generation> done = a.session().generate(sampling.params(run), new ChunkingListener(
                settings.chunkTokens(), (delta, tokens) -> taskThread.run(() -> chunk(a, delta, tokens), "agent chunk")));
        if (done.isDone()) {
            // Completed synchronously (virtual-time engines): no bookkeeping, no timer, no callback.
            if (done.isCompletedExceptionally()) {
                done.whenComplete((g, err) -> complete(a, g, err));
            } else {
                complete(a, done.getNow(null), null);
            }
            return;
        }
        // Tracked before any completion can run: engine-thread completions reach us through the mailbox.
        inFlight.add(a);
        a.model().metrics().started();
        backchannel.running(a.session()); // a collector's early exit cancels it through the channel
        a.timer(timers.registerTimer(timers.getCurrentProcessingTime() + settings.timeoutMs(), t -> onTimeout(a)));
        if (announceStart && a.nothingEmitted() && ahead == null) {
            // Through the mailbox: once the current input is done (the router hands over all of a query's first-level
            // calls in one go), so that every sibling starts before the parents are opened (opening one tokenises its
            // prompt on this thread); it stays ahead of this run's own chunks and result, which come after it.
            taskThread.later(() -> {
                if (a.nothingEmitted()) {
                    chunk(a, "", 0);
                }
            }, "agent started");
        }
        done.whenComplete((g, err) -> taskThread.run(() -> complete(a, g, err), "agent result"));
    }

    private void chunk(CallAttempt a, String delta, int tokens) {
        if (!a.ended()) {
            output.chunk(a, delta, tokens);
        }
    }

    /**
     * Bounded retries: an attempt that failed transiently before it streamed anything downstream runs again on a fresh
     * session after a backoff. Returns false when it may not, and the failure stands.
     */
    private boolean retry(CallAttempt a, String why, boolean cancel) {
        if (a.number() > settings.retries() || a.streamed()) {
            return false;
        }
        a.end(); // a late completion of this attempt is ignored
        if (inFlight.remove(a)) {
            a.model().metrics().ended();
        }
        a.model().metrics().retried();
        a.cancelTimer();
        if (a.session() != null) {
            backchannel.ended(a.session());
            if (cancel) {
                a.session().cancel();
            }
            a.session().close();
        }
        CallAttempt next = a.retry();
        retries.inc();
        long delay = settings.retryBackoffMs() << Math.min(20, a.number() - 1);
        waiting.add(next);
        next.timer(timers.registerTimer(timers.getCurrentProcessingTime() + delay, t -> {
            if (waiting.remove(next)) {
                launch(next, null);
            }
        }));
        return true;
    }

    private static String attempts(CallAttempt a, String why) {
        return a.number() == 1 ? why : "failed after " + a.number() + " attempts; last: " + why;
    }

    private void complete(CallAttempt a, Generation g, Throwable err) {
        if (a.ended()) {
            return; // already timed out
        }
        if (err != null || g == null) {
            String msg = err == null ? "engine returned no result" : String.valueOf(err.getMessage());
            if (retry(a, msg, false)) {
                return;
            }
            failures.inc();
            finish(a, Outcome.failed(a.session().promptTokens(), attempts(a, msg)));
            return;
        }
        if (g.finishReason() == FinishReason.ERROR && retry(a, g.error(), false)) {
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
        finish(a, new Outcome(failed ? "" : g.text(), status, clock.runTimings(g.timings(), a.openedAhead()),
                g.promptTokens(), g.outputTokens(), g.confidence(), failed ? attempts(a, g.error()) : g.error(),
                g.cachedPromptTokens()));
    }

    private void onTimeout(CallAttempt a) {
        if (a.ended()) {
            return;
        }
        String why = "timed out after " + settings.timeoutMs() + " ms";
        if (retry(a, why, true)) {
            return;
        }
        failures.inc();
        // Recorded as FAILED first: an engine may complete the cancelled generation on this very thread.
        finish(a, Outcome.failed(a.session().promptTokens(), attempts(a, why)));
        a.session().cancel();
    }

    private void finish(CallAttempt a, Outcome o) {
        a.end();
        if (inFlight.remove(a)) {
            a.model().metrics().ended();
        }
        backchannel.ended(a.session());
        a.cancelTimer();
        a.session().close();
        output.finished(a, o);
    }

    /** Ends every run and releases its session (the operator is closing). */
    public void closeAll() {
        opened.closeAll();
        for (CallAttempt a : inFlight) {
            a.end();
            backchannel.ended(a.session());
            a.cancelTimer();
            a.session().close();
        }
        inFlight.clear();
        waiting.forEach(CallAttempt::cancelTimer);
        waiting.clear();
    }
}
