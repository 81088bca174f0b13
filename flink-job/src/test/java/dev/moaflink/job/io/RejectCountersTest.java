package dev.moaflink.job.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.model.RejectKind;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RejectCountersTest {

    /** Records the metric names registered through it. */
    private static final class Recording extends UnregisteredMetricsGroup {
        final Map<String, Counter> counters;
        final String prefix;

        Recording(Map<String, Counter> counters, String prefix) {
            this.counters = counters;
            this.prefix = prefix;
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            counters.put(prefix + name, counter);
            return counter;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Recording(counters, prefix + name + ".");
        }
    }

    @Test
    void everyKindHasItsOwnCounterRegisteredUpFrontAndTheTotalCountsThemAll() {
        Map<String, Counter> registered = new TreeMap<>();
        RejectCounters c = new RejectCounters(new Recording(registered, ""));
        for (RejectKind k : RejectKind.values()) {
            assertTrue(registered.containsKey("deadLetters." + k.name()), "registered before any reject: " + k);
        }
        c.inc(RejectKind.DUPLICATE_ID);
        c.inc(RejectKind.DUPLICATE_ID);
        c.inc(RejectKind.MALFORMED_AVRO);
        assertEquals(2, registered.get("deadLetters.DUPLICATE_ID").getCount());
        assertEquals(1, registered.get("deadLetters.MALFORMED_AVRO").getCount());
        assertEquals(0, registered.get("deadLetters.EMPTY_TEXT").getCount());
        assertEquals(3, registered.get("queriesDeadLettered").getCount());
        assertEquals(3, c.total());
    }
}
