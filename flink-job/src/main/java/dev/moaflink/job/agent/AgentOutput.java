package dev.moaflink.job.agent;

import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.schema.NodeStatus;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * What an agent operator emits: the chunks a node streams while it decodes, and its last chunk with the whole result
 * and the node's trace, in the operator's clock. Task thread only.
 */
public final class AgentOutput {

    private final Output<StreamRecord<AgentChunk>> out;
    private final CallClock clock;
    private final String worker;
    private final int replica;

    /**
     * @param worker  the placement worker recorded in traces
     * @param replica the replica number recorded in traces
     */
    public AgentOutput(Output<StreamRecord<AgentChunk>> out, CallClock clock, String worker, int replica) {
        this.out = out;
        this.clock = clock;
        this.worker = worker;
        this.replica = replica;
    }

    /**
     * An empty first chunk carrying the query: the node has started (or its session was opened ahead), so that with
     * overlap its parents open their sessions now, not when its first output arrives.
     */
    void started(QueryTask q, String nodeId) {
        emit(new AgentChunk(q.id(), nodeId, 0, "", 0, q, null));
    }

    /** Streamed output of a running attempt: the text since its previous chunk, and its tokens so far. */
    void chunk(CallAttempt a, String delta, int tokens) {
        a.emitted(delta);
        QueryTask q = a.call().query();
        boolean first = a.nothingEmitted();
        emit(new AgentChunk(q.id(), a.call().nodeId(), a.nextSeq(), delta, tokens, first ? q : null, null));
    }

    /** The node's last chunk: the output not streamed yet, with the whole result and its trace. */
    void finished(CallAttempt a, Outcome o) {
        AgentCall.Run call = a.call();
        QueryTask q = call.query();
        PhaseTimings t = o.timings();
        ServedModel model = a.model();
        if (model != null) {
            model.metrics().finished(o.status(), t, o.promptTokens(), o.cachedPromptTokens(), o.outputTokens());
        }
        // After its inputs were ready, a node waits for its engine, prefills what is left, and decodes.
        double busy = t.queueMs() + t.prefillExposedMs() + t.decodeMs();
        String extracted = o.status() == NodeStatus.RAN
                ? AnswerExtractor.extract(o.text(), q.taskType(), q.choices()) : null;
        NodeTrace trace = new NodeTrace(call.nodeId(), call.level(), call.model(), worker, replica, o.status(),
                call.inputs(), t.queueMs(), t.prefillMs(), t.prefillExposedMs(), t.decodeMs(), t.firstTokenMs(),
                clock.startOffsetMs(call, a.startedAtMs()), clock.endOffsetMs(call, busy), o.promptTokens(),
                o.outputTokens(), o.confidence(), extracted, o.error(), model != null && model.simulated(),
                clock.virtualTime(), false, call.voteShare(), o.cachedPromptTokens());
        NodeResult result = new NodeResult(q, o.text(), trace, call.upstreamCriticalMs() + busy, call.upstream());
        emit(new AgentChunk(q.id(), call.nodeId(), a.nextSeq(), a.unsent(o.text()), result));
    }

    /**
     * A bypassed aggregator (its inputs agreed): no engine call; its output is the consensus, at the time its inputs
     * were ready, in the clock of the engine that would have run it.
     */
    void bypassed(AgentCall.Run call, ServedModel model) {
        QueryTask q = call.query();
        AgentCall.Consensus c = call.consensus();
        double at = clock.settledOffsetMs(call);
        NodeTrace trace = new NodeTrace(call.nodeId(), call.level(), call.model(), worker, replica,
                NodeStatus.SKIPPED, call.inputs(), 0, 0, 0, 0, 0, at, at, 0, 0, c.confidence(), c.answer(), null,
                model != null && model.simulated(), clock.virtualTime(), true, call.voteShare(), 0);
        NodeResult result = new NodeResult(q, c.text(), trace, call.upstreamCriticalMs(), call.upstream());
        emit(new AgentChunk(q.id(), call.nodeId(), 0, c.text(), result));
    }

    private void emit(AgentChunk chunk) {
        out.collect(new StreamRecord<>(chunk));
    }
}
