package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which sessions the engine serves first when they compete: by query, by attained service, or in arrival order. */
@Timeout(120)
class QuerySchedulingTest {

    private static Fixture fixture;

    @BeforeAll
    static void load() throws Exception {
        fixture = Fixture.load("tiny-llama");
    }

    private record Fake(QueryOrder.Ticket ticket, long orderSeq, String name) implements QueryOrder.Ordered { }

    private static List<String> sorted(QueryOrder order, long nowMs, Fake... sessions) {
        List<Fake> list = new ArrayList<>(List.of(sessions));
        list.sort(order.comparator(nowMs));
        return list.stream().map(Fake::name).toList();
    }

    @Test
    void eachPolicyOrdersSessionsItsWay() {
        QueryOrder.Ticket early = new QueryOrder.Ticket(1_000, "b");
        QueryOrder.Ticket late = new QueryOrder.Ticket(2_000, "a"); // seen first, arrived later
        early.served(500);
        Fake earlyL2 = new Fake(early, 5, "early-L2");
        Fake lateL1 = new Fake(late, 2, "late-L1");
        Fake earlyL1 = new Fake(early, 3, "early-L1");
        assertEquals(List.of("early-L1", "early-L2", "late-L1"),
                sorted(new QueryOrder(QueryOrder.Policy.QUERY), 3_000, earlyL2, lateL1, earlyL1));
        assertEquals(List.of("late-L1", "early-L1", "early-L2"),
                sorted(new QueryOrder(QueryOrder.Policy.FIFO), 3_000, earlyL2, lateL1, earlyL1));
        // Least attained service: the query served less goes first...
        assertEquals(List.of("late-L1", "early-L1", "early-L2"),
                sorted(new QueryOrder(QueryOrder.Policy.ATTAINED), 3_000, earlyL2, lateL1, earlyL1));
        // ...until a query has waited past the starvation bound: then it goes first.
        long starved = 1_000 + QueryOrder.STARVATION_MS + 1;
        assertEquals(List.of("early-L1", "early-L2", "late-L1"),
                sorted(new QueryOrder(QueryOrder.Policy.ATTAINED), starved, earlyL2, lateL1, earlyL1));
        assertThrows(IllegalArgumentException.class, () -> QueryOrder.Policy.named("lottery"));
        assertThrows(IllegalArgumentException.class,
                () -> DjlOptions.of(fixture.spec(Map.of("scheduling", "lottery"))));
    }

    /**
     * Three queries arrive with two sessions each, interleaved (q1/a, q2/a, q3/a, q1/b, q2/b, q3/b), and two sessions
     * decode at a time: by query, q1's two sessions finish first, then q2's, then q3's; in arrival order, the first
     * of each query's sessions finish first.
     */
    @Test
    void byQueryTheEarliestQueryFinishesFirstInArrivalOrderItsSessionsInterleave() throws Exception {
        assertEquals(List.of("q1/a", "q1/b", "q2/a", "q2/b", "q3/a", "q3/b"), finishOrder("query", true));
        assertEquals(List.of("q1/a", "q1/b", "q2/a", "q2/b", "q3/a", "q3/b"), finishOrder("query", false));
        assertEquals(List.of("q1/a", "q2/a", "q3/a", "q1/b", "q2/b", "q3/b"), finishOrder("fifo", true));
    }

    /** @param arrivals whether requests carry their queries' arrival times (else the engine's first sight orders) */
    private static List<String> finishOrder(String policy, boolean arrivals) throws Exception {
        List<String> finished = new CopyOnWriteArrayList<>();
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(), DjlOptions.of(fixture.spec(
                Map.of("ignore_eos", "true", "max_batch", "2", "scheduling", policy))))) {
            CountDownLatch release = new CountDownLatch(1);
            e.submit(() -> {
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            List<CompletableFuture<?>> runs = new ArrayList<>();
            String prompt = fixture.prompts().get(0).text();
            for (String part : List.of("a", "b")) {
                for (int q = 1; q <= 3; q++) {
                    String id = "q" + q + "/" + part;
                    EngineSession s = e.open(new SessionRequest(id, prompt, PromptContext.freeText("q" + q),
                            SessionRequest.Role.PROPOSER, 1, arrivals ? 1_000L * q : 0));
                    runs.add(s.generate(GenerationParams.greedy(12), t -> { }).thenRun(() -> {
                        finished.add(id);
                        s.close();
                    }));
                }
            }
            release.countDown();
            for (CompletableFuture<?> r : runs) {
                r.get(60, TimeUnit.SECONDS);
            }
        }
        return finished;
    }
}
