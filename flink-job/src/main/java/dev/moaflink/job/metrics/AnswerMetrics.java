package dev.moaflink.job.metrics;

import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.job.model.NodeTrace;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;

/**
 * What the collectors that emit answers measure, from each answer's complete trace (so every node is counted once,
 * with its final status, after early exit has cut it or bypass replaced it):
 * <ul>
 *   <li>per topology ({@code topology=<name>}): answers, degraded answers, answers whose aggregator was bypassed,
 *       answers where early exit cancelled agents, answer latency (histogram, ms);</li>
 *   <li>per agent ({@code topology=<name>, agent=<node id>}): node latency (start to end, ms) and nodes by outcome:
 *       ran, cancelled (pruned by early exit or failed over), skipped (could no longer change the answer),
 *       bypassed (aggregator), failed;</li>
 *   <li>per model ({@code model=<name>}): the same outcome counters summed over the nodes that use it.</li>
 * </ul>
 * Groups are created on first use; called on the collector's task thread only.
 */
public final class AnswerMetrics {

    private final MetricGroup group;
    private final Map<String, TopologyMetrics> topologies = new HashMap<>();
    private final Map<String, Outcomes> models = new HashMap<>();

    public AnswerMetrics(MetricGroup operatorGroup) {
        this.group = operatorGroup;
    }

    public void record(AnswerRecord a) {
        // get-then-put rather than computeIfAbsent: no capturing lambda allocated per answer and node
        TopologyMetrics t = topologies.get(a.topology());
        if (t == null) {
            t = new TopologyMetrics(group, a.topology());
            topologies.put(a.topology(), t);
        }
        t.answers.inc();
        if (a.degraded()) {
            t.degraded.inc();
        }
        if (a.aggregatorBypassed()) {
            t.bypassed.inc();
        }
        t.latencyMs.update(Math.round(a.latencyMs()));
        boolean pruned = false;
        for (NodeTrace n : a.trace()) {
            t.agent(n.nodeId()).record(n);
            Outcomes model = models.get(n.model());
            if (model == null) {
                model = new Outcomes(group.addGroup("model", n.model()), "nodes");
                models.put(n.model(), model);
            }
            model.record(n);
            pruned |= n.status() == NodeStatus.CANCELLED && !n.bypassed();
        }
        if (pruned) {
            t.earlyExits.inc();
        }
    }

    private static final class TopologyMetrics {
        final MetricGroup group;
        final Counter answers;
        final Counter degraded;
        final Counter bypassed;
        final Counter earlyExits;
        final Histogram latencyMs;
        final Map<String, AgentMetrics> agents = new HashMap<>();

        TopologyMetrics(MetricGroup parent, String name) {
            group = parent.addGroup("topology", name);
            answers = group.counter("answers");
            degraded = group.counter("answersDegraded");
            bypassed = group.counter("answersAggregatorBypassed");
            earlyExits = group.counter("answersWithEarlyExit");
            latencyMs = group.histogram("answerLatencyMs", new WindowHistogram(ModelMetrics.WINDOW));
        }

        AgentMetrics agent(String nodeId) {
            AgentMetrics m = agents.get(nodeId);
            if (m == null) {
                m = new AgentMetrics(group.addGroup("agent", nodeId));
                agents.put(nodeId, m);
            }
            return m;
        }
    }

    private static final class AgentMetrics {
        final Outcomes outcomes;
        final Histogram latencyMs;

        AgentMetrics(MetricGroup g) {
            outcomes = new Outcomes(g, "node");
            latencyMs = g.histogram("nodeLatencyMs", new WindowHistogram(ModelMetrics.WINDOW));
        }

        void record(NodeTrace n) {
            outcomes.record(n);
            if (n.status() == NodeStatus.RAN) {
                latencyMs.update(Math.round(n.endOffsetMs() - n.startOffsetMs()));
            }
        }
    }

    /** Nodes by final status: {@code <prefix>Ran}, {@code …Cancelled}, {@code …Skipped}, {@code …Bypassed}, {@code …Failed}. */
    private static final class Outcomes {
        final Counter ran;
        final Counter cancelled;
        final Counter skipped;
        final Counter bypassed;
        final Counter failed;

        Outcomes(MetricGroup g, String prefix) {
            ran = g.counter(prefix + "Ran");
            cancelled = g.counter(prefix + "Cancelled");
            skipped = g.counter(prefix + "Skipped");
            bypassed = g.counter(prefix + "Bypassed");
            failed = g.counter(prefix + "Failed");
        }

        /** A bypassed aggregator counts as bypassed whatever happened next (early exit may cancel it too). */
        void record(NodeTrace n) {
            if (n.bypassed()) {
                bypassed.inc();
                return;
            }
            switch (n.status()) {
                case RAN -> ran.inc();
                case CANCELLED -> cancelled.inc();
                case SKIPPED -> skipped.inc();
                case FAILED -> failed.inc();
            }
        }
    }
}
