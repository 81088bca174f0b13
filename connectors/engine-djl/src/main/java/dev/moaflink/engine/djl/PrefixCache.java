package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Prompt keys and values shared across the sessions of one model: a radix tree of token segments (as SGLang's radix
 * cache), each node holding the keys and values of its segment, per layer {@code [kvHeads, length, headDim]}, at the
 * positions the path from the root gives it. A prompt that starts like one prefilled before takes that prefix's keys
 * and values from the tree instead of computing them: in MoA the copies of a model at a level share their whole
 * prompt, and every agent of a query shares its instruction and question.
 *
 * <p>Nodes are read-only: a session copies the prefix into its own cache (a memory copy, no compute), so eviction never
 * touches a running session. Cached tokens count in the engine's {@link KvBudget}, at most {@code capacityTokens}
 * of them; least recently used leaves go first when the cap or a session's reservation needs the room. Scheduler
 * thread only.
 */
final class PrefixCache implements AutoCloseable {

    /** A segment of tokens and its keys and values, after the tokens of its ancestors. */
    static final class Node {

        private final Map<Integer, Node> children = new HashMap<>();
        private final long id;
        private Node parent;
        private int[] tokens;
        private NDManager manager;
        private NDArray[] keys;
        private NDArray[] values;
        private long lastUsed;

        Node(long id, Node parent, int[] tokens, NDManager manager, NDArray[] keys, NDArray[] values) {
            this.id = id;
            this.parent = parent;
            this.tokens = tokens;
            this.manager = manager;
            this.keys = keys;
            this.values = values;
        }
    }

    /** The longest cached prefix of a prompt: the nodes on its path and how many tokens it covers. */
    record Match(List<Node> path, int tokens) {

        static final Match NONE = new Match(List.of(), 0);
    }

    private final NDManager manager;
    private final int layers;
    private final KvBudget budget;
    private final long capacityTokens;
    private final Node root;
    /** Nodes without children, least recently used first: what eviction takes. */
    private final TreeSet<Node> leaves = new TreeSet<>(
            Comparator.<Node>comparingLong(n -> n.lastUsed).thenComparingLong(n -> n.id));
    private long cachedTokens;
    private long clock;
    private long nextId;

    /** @param capacityTokens the most tokens the tree holds (besides what sessions reserve in the budget) */
    PrefixCache(NDManager parent, int layers, KvBudget budget, long capacityTokens) {
        this.manager = parent.newSubManager();
        this.layers = layers;
        this.budget = budget;
        this.capacityTokens = capacityTokens;
        this.root = new Node(nextId++, null, new int[0], null, null, null);
        budget.evictWith(this::evict);
    }

    /** Tokens the tree holds now. */
    long cachedTokens() {
        return cachedTokens;
    }

    /** The longest prefix of {@code ids}, at most {@code limit} tokens, whose keys and values the tree holds. */
    Match match(int[] ids, int limit) {
        List<Node> path = new ArrayList<>();
        Node node = root;
        int at = 0;
        while (at < limit) {
            Node child = node.children.get(ids[at]);
            if (child == null) {
                break;
            }
            int same = 0;
            while (same < child.tokens.length && at + same < limit && child.tokens[same] == ids[at + same]) {
                same++;
            }
            path.add(child);
            at += same;
            if (same < child.tokens.length) {
                break; // ends inside this segment
            }
            node = child;
        }
        return at == 0 ? Match.NONE : new Match(path, at);
    }

    /** Puts the keys and values of {@code match} into {@code cache}, which must be empty, and marks its nodes used. */
    void load(Match match, KvCache cache) {
        long now = ++clock;
        try (NDManager scratch = manager.newSubManager()) {
            for (int l = 0; l < layers; l++) {
                NDList ks = new NDList();
                NDList vs = new NDList();
                int left = match.tokens();
                for (Node n : match.path()) {
                    int take = Math.min(left, n.tokens.length);
                    ks.add(take == n.tokens.length ? n.keys[l] : n.keys[l].get(new NDIndex(":, :{}, :", take)));
                    vs.add(take == n.tokens.length ? n.values[l] : n.values[l].get(new NDIndex(":, :{}, :", take)));
                    left -= take;
                }
                NDArray k = ks.size() == 1 ? ks.get(0).duplicate() : NDArrays.concat(ks, 1);
                NDArray v = vs.size() == 1 ? vs.get(0).duplicate() : NDArrays.concat(vs, 1);
                k.attach(scratch);
                v.attach(scratch);
                cache.set(l, k, v);
            }
        }
        cache.setLength(match.tokens());
        match.path().forEach(n -> touch(n, now));
    }

    /** Marks {@code n} used at {@code now}, keeping the leaves in order. */
    private void touch(Node n, long now) {
        boolean leaf = leaves.remove(n);
        n.lastUsed = now;
        if (leaf) {
            leaves.add(n);
        }
    }

    /**
     * Adds the first {@code n} ids of a prompt, whose keys and values {@code cache} holds at those positions, to the
     * tree (what it already holds is only marked used). Skipped when the cap leaves no room even after evicting.
     */
    void insert(int[] ids, int n, KvCache cache) {
        long now = ++clock;
        Node node = root;
        int at = 0;
        while (at < n) {
            Node child = node.children.get(ids[at]);
            if (child == null) {
                break;
            }
            int same = 0;
            while (same < child.tokens.length && at + same < n && child.tokens[same] == ids[at + same]) {
                same++;
            }
            if (same < child.tokens.length) {
                child = split(child, same);
            }
            touch(child, now);
            node = child;
            at += same;
        }
        int fresh = n - at;
        if (fresh <= 0 || !room(fresh, node)) {
            return;
        }
        NDManager m = manager.newSubManager();
        NDArray[] k = new NDArray[layers];
        NDArray[] v = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            k[l] = slice(cache.keys(l), at, n, m);
            v[l] = slice(cache.values(l), at, n, m);
        }
        Node leaf = new Node(nextId++, node, Arrays.copyOfRange(ids, at, n), m, k, v);
        leaf.lastUsed = now;
        leaves.remove(node);
        node.children.put(ids[at], leaf);
        leaves.add(leaf);
        cachedTokens += fresh;
        budget.cached(fresh);
    }

    /** Splits {@code n} after its first {@code keep} tokens: a new node takes them, {@code n} keeps the rest. */
    private Node split(Node n, int keep) {
        NDManager headManager = manager.newSubManager();
        NDManager tailManager = manager.newSubManager();
        NDArray[] hk = new NDArray[layers];
        NDArray[] hv = new NDArray[layers];
        NDArray[] tk = new NDArray[layers];
        NDArray[] tv = new NDArray[layers];
        int len = n.tokens.length;
        for (int l = 0; l < layers; l++) {
            hk[l] = slice(n.keys[l], 0, keep, headManager);
            hv[l] = slice(n.values[l], 0, keep, headManager);
            tk[l] = slice(n.keys[l], keep, len, tailManager);
            tv[l] = slice(n.values[l], keep, len, tailManager);
        }
        Node head = new Node(nextId++, n.parent, Arrays.copyOfRange(n.tokens, 0, keep), headManager, hk, hv);
        head.lastUsed = n.lastUsed;
        n.parent.children.put(head.tokens[0], head);
        n.manager.close();
        n.manager = tailManager;
        n.keys = tk;
        n.values = tv;
        n.tokens = Arrays.copyOfRange(n.tokens, keep, len);
        n.parent = head;
        head.children.put(n.tokens[0], n);
        return head;
    }

    /** A copy of positions {@code [from, to)} of a layer's {@code [kvHeads, length, headDim]} tensor. */
    private static NDArray slice(NDArray a, int from, int to, NDManager owner) {
        NDArray copy = a.get(new NDIndex(":, {}:{}, :", from, to)).duplicate();
        copy.attach(owner);
        return copy;
    }

    /** Makes room for {@code tokens} more under the cap and in the budget, evicting others than {@code keep}'s path. */
    private boolean room(int tokens, Node keep) {
        if (tokens > capacityTokens) {
            return false;
        }
        long over = cachedTokens + tokens - capacityTokens;
        if (over > 0 && evict(over, keep) < over) {
            return false;
        }
        long short_ = budget.reservedTokens() + budget.cachedTokens() + tokens - budget.capacityTokens();
        return short_ <= 0 || evict(short_, keep) >= short_;
    }

    /** Frees at least {@code tokens} if it can (least recently used leaves first); returns what it freed. */
    long evict(long tokens) {
        return evict(tokens, null);
    }

    private long evict(long tokens, Node keep) {
        long freed = 0;
        Iterator<Node> it = leaves.iterator();
        List<Node> parents = new ArrayList<>();
        while (freed < tokens && it.hasNext()) {
            Node victim = it.next();
            if (victim == keep) {
                continue; // the node an insert extends (its ancestors are not leaves)
            }
            it.remove();
            Node parent = victim.parent;
            parent.children.remove(victim.tokens[0]);
            victim.manager.close();
            freed += victim.tokens.length;
            cachedTokens -= victim.tokens.length;
            budget.cached(-victim.tokens.length);
            if (parent != root && parent.children.isEmpty()) {
                parents.add(parent);
            }
        }
        leaves.addAll(parents); // leaves now, evicted in a later round if still needed
        if (freed < tokens && !parents.isEmpty()) {
            freed += evict(tokens - freed, keep);
        }
        return freed;
    }

    @Override
    public void close() {
        manager.close();
    }
}
