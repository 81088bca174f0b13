package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The radix tree of prompt keys and values alone, on the tiny model: a prefix taken from it gives the logits of
 * computing it, segments split where prompts diverge, and it stays inside its cap and gives room to reservations.
 */
@Timeout(120)
class PrefixCacheTest {

    private static Fixture fixture;
    private static NDManager manager;
    private static LlamaModel model;
    /** Model work runs off the JUnit main thread (libtorch's OpenMP pool is slow there, see RawLoop). */
    private static TorchWorker worker;

    @BeforeAll
    static void start() throws Exception {
        fixture = Fixture.load("tiny-llama");
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        worker = new TorchWorker();
        model = worker.call(() -> LlamaModel.load(fixture.dir(), manager, true));
    }

    @AfterAll
    static void stop() {
        worker.close();
        model.close();
        manager.close();
    }

    private static int layers() {
        return model.config().layers();
    }

    /** A cache holding {@code ids} computed by the model. */
    private static KvCache computed(int[] ids) {
        KvCache c = new KvCache(manager, layers());
        try (NDManager step = manager.newSubManager()) {
            model.prefill(step, ids, c, ScriptedForward.Logits.NONE);
        }
        return c;
    }

    /** The last position's logits after running {@code rest} on {@code cache}. */
    private static float[] lastLogits(KvCache cache, int[] rest) {
        try (NDManager step = manager.newSubManager()) {
            return model.prefill(step, rest, cache, ScriptedForward.Logits.LAST).toFloatArray();
        }
    }

    private static int[] prompt(int i) {
        return fixture.prompts().get(i).ids();
    }

    @Test
    void aPrefixFromTheTreeGivesTheLogitsOfComputingIt() throws Exception {
        worker.run(() -> {
            KvBudget budget = new KvBudget(100_000, model.config().maxPositions(), 1);
            try (PrefixCache tree = new PrefixCache(manager, layers(), budget, 10_000)) {
                int[] ids = prompt(0);
                int n = ids.length - 3;
                try (KvCache first = computed(Arrays.copyOf(ids, n))) {
                    tree.insert(ids, n, first);
                }
                assertEquals(n, tree.cachedTokens());
                assertEquals(n, budget.cachedTokens());
                PrefixCache.Match hit = tree.match(ids, ids.length - 1);
                assertEquals(n, hit.tokens());
                float[] shared;
                try (KvCache reused = new KvCache(manager, layers())) {
                    tree.load(hit, reused);
                    assertEquals(n, reused.length());
                    shared = lastLogits(reused, Arrays.copyOfRange(ids, n, ids.length));
                }
                float[] alone;
                try (KvCache whole = new KvCache(manager, layers())) {
                    alone = lastLogits(whole, ids);
                }
                assertEquals(alone.length, shared.length);
                for (int v = 0; v < alone.length; v++) {
                    assertEquals(alone[v], shared[v], 1e-4, "logit " + v);
                }
            }
        });
    }

    @Test
    void promptsThatDivergeSplitASegmentAndEachFindsItsOwnPrefix() throws Exception {
        worker.run(() -> {
            KvBudget budget = new KvBudget(100_000, model.config().maxPositions(), 1);
            try (PrefixCache tree = new PrefixCache(manager, layers(), budget, 10_000)) {
                int[] a = prompt(0);
                int[] b = a.clone();
                int cut = a.length / 2;
                for (int i = cut; i < b.length; i++) {
                    b[i] = (a[i] + 7) % model.config().vocabSize();
                }
                try (KvCache ca = computed(a); KvCache cb = computed(b)) {
                    tree.insert(a, a.length, ca);
                    tree.insert(b, b.length, cb);
                }
                assertEquals(a.length + (b.length - cut), tree.cachedTokens(), "the shared half is held once");
                assertEquals(a.length, tree.match(a, a.length).tokens());
                assertEquals(b.length, tree.match(b, b.length).tokens());
                int[] c = Arrays.copyOf(a, cut + 1);
                c[cut] = (a[cut] + 3) % model.config().vocabSize();
                assertEquals(cut, tree.match(c, c.length).tokens(), "matched up to where it diverges");
                assertEquals(0, tree.match(new int[] {(a[0] + 1) % 100}, 1).tokens());
                // b's second half, taken across the split, still gives b's logits.
                float[] shared;
                try (KvCache reused = new KvCache(manager, layers())) {
                    tree.load(tree.match(b, b.length - 1), reused);
                    shared = lastLogits(reused, new int[] {b[b.length - 1]});
                }
                float[] alone;
                try (KvCache whole = new KvCache(manager, layers())) {
                    alone = lastLogits(whole, b);
                }
                for (int v = 0; v < alone.length; v++) {
                    assertEquals(alone[v], shared[v], 1e-4, "logit " + v);
                }
            }
        });
    }

    @Test
    void theTreeStaysUnderItsCapAndGivesReservationsTheRoom() throws Exception {
        worker.run(() -> {
            // a the longer prompt: the cap holds it, and b only in its place.
            boolean firstLonger = prompt(0).length >= prompt(1).length;
            int[] a = prompt(firstLonger ? 0 : 1);
            int[] b = prompt(firstLonger ? 1 : 0);
            int cap = a.length;
            KvBudget budget = new KvBudget(a.length + b.length + 10, model.config().maxPositions(), 1);
            try (PrefixCache tree = new PrefixCache(manager, layers(), budget, cap)) {
                try (KvCache ca = computed(a); KvCache cb = computed(b)) {
                    tree.insert(a, a.length, ca);
                    tree.match(a, a.length); // matching alone does not make it recent; inserting b evicts a
                    tree.insert(b, b.length, cb);
                }
                assertTrue(tree.cachedTokens() <= cap, "cached " + tree.cachedTokens() + " over the cap " + cap);
                assertTrue(tree.match(a, a.length).tokens() < a.length, "the least recently used prompt went first");
                assertEquals(b.length, tree.match(b, b.length).tokens());
                // A reservation that needs the room takes it from the tree.
                KvBudget.Reservation r = new KvBudget.Reservation();
                assertTrue(budget.reserve(r, a.length + 11));
                assertTrue(budget.reservedTokens() + budget.cachedTokens() <= budget.capacityTokens());
                assertEquals(budget.cachedTokens(), tree.cachedTokens());
                assertTrue(tree.match(b, b.length).tokens() < b.length, "evicted for the reservation");
                assertTrue(!budget.reserve(new KvBudget.Reservation(), (int) budget.capacityTokens()),
                        "what sessions hold is never evicted");
            }
        });
    }
}
