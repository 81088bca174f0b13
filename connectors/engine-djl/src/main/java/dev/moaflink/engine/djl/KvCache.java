package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * One sequence's keys and values, per layer {@code [kvHeads, length, headDim]}, owned by its own NDManager
 * (closing the cache frees them). Single-threaded: only the engine's scheduler thread touches it.
 */
final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    int layers() {
        return keys.length;
    }

    int length() {
        return length;
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    /** Replaces a layer's tensors (the previous ones are freed); the new ones move to this cache's manager. */
    void set(int layer, NDArray k, NDArray v) {
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        k.attach(manager);
        v.attach(manager);
        keys[layer] = k;
        values[layer] = v;
    }

    void setLength(int length) {
        this.length = length;
    }

    /** Forgets everything after the first {@code n} positions (prompt re-tokenised differently). */
    void truncate(int n) {
        if (n >= length) {
            return;
        }
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] == null) {
                continue;
            }
            NDArray k = keys[l].get(new NDIndex(":, :{}, :", n));
            NDArray v = values[l].get(new NDIndex(":, :{}, :", n));
            set(l, k, v);
        }
        length = n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
