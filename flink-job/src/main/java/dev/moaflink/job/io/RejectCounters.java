package dev.moaflink.job.io;

import dev.moaflink.job.model.RejectKind;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * One Flink counter per {@link RejectKind}, registered up front under the group {@code deadLetters}
 * (e.g. {@code ...decode_queries.deadLetters.MALFORMED_AVRO}), plus their total {@code queriesDeadLettered}.
 */
public final class RejectCounters {

    private final Map<RejectKind, Counter> byKind = new EnumMap<>(RejectKind.class);
    private final Counter total;

    public RejectCounters(MetricGroup operatorGroup) {
        MetricGroup group = operatorGroup.addGroup("deadLetters");
        for (RejectKind k : RejectKind.values()) {
            byKind.put(k, group.counter(k.name()));
        }
        total = operatorGroup.counter("queriesDeadLettered");
    }

    public void inc(RejectKind kind) {
        byKind.get(kind).inc();
        total.inc();
    }

    public long count(RejectKind kind) {
        return byKind.get(kind).getCount();
    }

    public long total() {
        return total.getCount();
    }
}
