package dev.moaflink.job.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.backchannel.LocalBackchannel;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReplicaChooserTest {

    private static Replicas replicas(int slack, double... weights) {
        String[] workers = new String[weights.length];
        for (int i = 0; i < weights.length; i++) {
            workers[i] = "w" + i;
        }
        return new Replicas(Map.of("m", new Replicas.Model(workers, weights), "solo",
                new Replicas.Model(new String[] {"w0"}, new double[] {1.0})), 0, slack);
    }

    /** A chooser of subtask 0 counting in a channel of its own. */
    private static ReplicaChooser chooser(Replicas replicas) {
        return new ReplicaChooser(replicas, new LocalBackchannel(), 0);
    }

    @Test
    void withShortQueuesEveryReplicaGetsExactlyItsPlannedShare() {
        ReplicaChooser c = chooser(replicas(8, 0.75, 0.25));
        int[] counts = new int[2];
        for (int i = 0; i < 400; i++) {
            int r = c.choose("m");
            counts[r]++;
            c.finished("m", r);
        }
        assertArrayEquals(new int[] {300, 100}, counts);
        assertEquals(0, c.choose("solo"), "a model with one replica");
    }

    @Test
    void queuesGrowingInProportionKeepThePlannedShares() {
        ReplicaChooser c = chooser(replicas(8, 0.5, 0.3, 0.2));
        int[] counts = new int[3];
        for (int i = 0; i < 1000; i++) {
            counts[c.choose("m")]++; // nothing finishes: every queue grows with its share
        }
        assertArrayEquals(new int[] {500, 300, 200}, counts);
        assertArrayEquals(new int[] {500, 300, 200}, c.inFlight("m"));
    }

    @Test
    void aReplicaThatFallsBehindIsPassedOverUntilItCatchesUp() {
        ReplicaChooser c = chooser(replicas(4, 0.5, 0.5));
        int[] counts = new int[2];
        for (int i = 0; i < 200; i++) {
            int r = c.choose("m");
            counts[r]++;
            if (r == 1) {
                c.finished("m", 1); // replica 1 keeps up; replica 0 is stuck
            }
        }
        assertTrue(counts[0] <= 5, "the stuck replica got at most slack + 1 calls: " + counts[0]);
        for (int i = 0; i < counts[0]; i++) {
            c.finished("m", 0); // it catches up
        }
        int[] after = new int[2];
        for (int i = 0; i < 100; i++) {
            int r = c.choose("m");
            after[r]++;
            c.finished("m", r);
        }
        assertTrue(after[0] >= 45, "back to its share: " + after[0]);
    }

    @Test
    void theRouterAndTheCollectorsOfASubtaskShareTheirCounts() {
        LocalBackchannel channel = new LocalBackchannel();
        ReplicaChooser router = new ReplicaChooser(replicas(8, 0.5, 0.5), channel, 3);
        ReplicaChooser collector = new ReplicaChooser(replicas(8, 0.5, 0.5), channel, 3);
        int r = router.choose("m");
        assertEquals(1, collector.inFlight("m")[r]);
        collector.finished("m", r);
        assertEquals(0, router.inFlight("m")[r]);
        collector.finished("m", r);
        assertEquals(0, router.inFlight("m")[r], "never below zero");
        router.choose("m");
        assertEquals(0, new ReplicaChooser(replicas(8, 0.5, 0.5), channel, 4).inFlight("m")[0],
                "another subtask counts its own calls");
        assertEquals(0, new ReplicaChooser(replicas(8, 0.5, 0.5), new LocalBackchannel(), 3).inFlight("m")[0],
                "a new job run starts from zero");
    }
}
