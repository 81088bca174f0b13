package dev.moaflink.job.collect;

import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.EngineClock;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.schema.NodeStatus;
import java.util.Arrays;

/**
 * A query's answer from its root's result: the extracted answer, its score against the gold answer, the latency in the
 * job's clock, and the trace of every node sorted by level and index.
 */
public final class AnswerAssembly {

    private final EngineClock clock;

    public AnswerAssembly(EngineClock clock) {
        this.clock = clock;
    }

    public AnswerRecord answer(Topology topology, NodeResult root) {
        QueryTask q = root.query();
        NodeTrace[] trace = sortedByLevelAndIndex(topology, root.upstream(), root.trace());
        boolean degraded = false;
        boolean simulated = false;
        for (NodeTrace t : trace) {
            degraded |= t.status() == NodeStatus.FAILED;
            simulated |= t.simulated();
        }
        degraded |= !root.trace().hasOutput();
        long now = System.currentTimeMillis();
        String extracted = root.trace().extractedAnswer();
        // In virtual time the latency is the modelled one; in real time, what the query waited.
        double latency = clock == EngineClock.VIRTUAL ? root.trace().endOffsetMs() : now - q.submittedAtMs();
        return new AnswerRecord(q.id(), root.text(), extracted, root.trace().confidence(), root.trace().bypassed(),
                degraded, AnswerExtractor.score(extracted, q.gold(), q.taskType(), q.choices()), topology.name(),
                q.taskType(), q.submittedAtMs(), now, latency, root.criticalPathMs(), simulated, trace);
    }

    /**
     * {@code upstream} and then {@code last}, stably sorted by level, then index within the level: each node's
     * index is looked up once (an insertion sort; a trace has a few dozen nodes at most).
     */
    public static NodeTrace[] sortedByLevelAndIndex(Topology topology, NodeTrace[] upstream, NodeTrace last) {
        int n = upstream.length + 1;
        NodeTrace[] trace = Arrays.copyOf(upstream, n);
        trace[n - 1] = last;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) trace[i].level() << 32) | (topology.node(trace[i].nodeId()).index() & 0xFFFFFFFFL);
        }
        for (int i = 1; i < n; i++) {
            long k = keys[i];
            NodeTrace t = trace[i];
            int j = i - 1;
            while (j >= 0 && keys[j] > k) {
                keys[j + 1] = keys[j];
                trace[j + 1] = trace[j];
                j--;
            }
            keys[j + 1] = k;
            trace[j + 1] = t;
        }
        return trace;
    }
}
