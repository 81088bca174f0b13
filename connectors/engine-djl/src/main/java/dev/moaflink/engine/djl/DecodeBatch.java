package dev.moaflink.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The keys and values of the sequences that decode together, kept across steps: per layer one tensor
 * {@code [rows, kvHeads, capacity, headDim]}. Rows are right-aligned: row {@code i} holds its {@code length(i)}
 * positions in columns {@code [end - length(i), end)}, the columns before it are masked out. A decode step writes
 * every row's new key and value into column {@code end} with one in-place copy per layer and attends over columns
 * {@code [0, end]}, so a step costs the same number of libtorch calls whatever the batch size.
 *
 * <p>Rows join from a prefilled {@link KvCache} (copied in; the cache can then be closed) and leave through
 * {@link #retain}; both rebuild the tensors, which happens only when the batch's membership changes. Capacity
 * grows in steps of {@link #GROW} columns; {@link #retain} drops the columns no remaining row uses.
 * Single-threaded, like the caches: only the engine's scheduler thread (or a benchmark loop) touches it.
 */
final class DecodeBatch implements AutoCloseable {

    /** Columns added at a time when the next write would not fit. */
    static final int GROW = 64;

    private final NDManager manager;
    private final int kvHeads;
    private final int headDim;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int rows;
    private int end;
    private int capacity;
    private int[] lengths = new int[0];

    DecodeBatch(NDManager parent, HfConfig cfg) {
        this.manager = parent.newSubManager();
        this.kvHeads = cfg.kvHeads();
        this.headDim = cfg.headDim();
        this.keys = new NDArray[cfg.layers()];
        this.values = new NDArray[cfg.layers()];
    }

    int size() {
        return rows;
    }

    /** Positions held by a row: the position its next token takes. */
    int length(int row) {
        return lengths[row];
    }

    /** Appends a row holding a prefilled sequence's keys and values (copied). */
    void add(KvCache cache) {
        int len = cache.length();
        if (len <= 0) {
            throw new IllegalArgumentException("a sequence joins the decode batch after its prefill (empty cache)");
        }
        if (rows == 0) {
            clear();
            end = len;
            capacity = len + GROW;
        } else if (len > end) {
            shiftRight(len - end);
        }
        for (int l = 0; l < keys.length; l++) {
            keys[l] = appendRow(keys[l], cache.keys(l), len);
            values[l] = appendRow(values[l], cache.values(l), len);
        }
        lengths = Arrays.copyOf(lengths, rows + 1);
        lengths[rows++] = len;
    }

    private NDArray appendRow(NDArray batch, NDArray seq, int len) {
        NDArray row = manager.zeros(new Shape(1, kvHeads, capacity, headDim), DataType.FLOAT32);
        row.set(new NDIndex("0, :, {}:{}, :", end - len, end), seq);
        if (batch == null) {
            return row;
        }
        return replace(batch, batch.concat(row, 0), row);
    }

    /** Every row moves {@code by} columns to the right (a longer sequence joins). */
    private void shiftRight(int by) {
        for (int l = 0; l < keys.length; l++) {
            keys[l] = padColumns(keys[l], by, true);
            values[l] = padColumns(values[l], by, true);
        }
        end += by;
        capacity += by;
    }

    private NDArray padColumns(NDArray a, int n, boolean before) {
        NDArray zeros = manager.zeros(new Shape(rows, kvHeads, n, headDim), DataType.FLOAT32);
        return before ? replace(a, zeros.concat(a, 2), zeros) : replace(a, a.concat(zeros, 2), zeros);
    }

    /** Keeps the given rows, in that order, and drops the columns none of them uses. */
    void retain(int[] keep) {
        if (keep.length == rows && isIdentity(keep)) {
            return;
        }
        if (keep.length == 0) {
            clear();
            return;
        }
        int[] kept = new int[keep.length];
        int longest = 0;
        for (int i = 0; i < keep.length; i++) {
            kept[i] = lengths[keep[i]];
            longest = Math.max(longest, kept[i]);
        }
        int first = end - longest;
        try (NDManager scratch = manager.newSubManager()) {
            NDArray index = scratch.create(keep);
            for (int l = 0; l < keys.length; l++) {
                keys[l] = select(keys[l], first, index);
                values[l] = select(values[l], first, index);
            }
        }
        lengths = kept;
        rows = keep.length;
        end -= first;
        capacity -= first;
    }

    private NDArray select(NDArray a, int firstColumn, NDArray rowIndex) {
        NDArray cols = firstColumn == 0 ? a : a.get(new NDIndex(":, :, {}:, :", firstColumn));
        NDArray picked = cols.get(new NDIndex("{}", rowIndex));
        picked.attach(manager);
        if (cols != a) {
            cols.close();
        }
        a.close();
        return picked;
    }

    private static boolean isIdentity(int[] keep) {
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Makes room for this step's column. */
    void reserveStep() {
        if (end < capacity) {
            return;
        }
        for (int l = 0; l < keys.length; l++) {
            keys[l] = padColumns(keys[l], GROW, false);
            values[l] = padColumns(values[l], GROW, false);
        }
        capacity += GROW;
    }

    /** Writes this step's keys and values, {@code [rows, kvHeads, headDim]}, into the step's column. */
    void write(int layer, NDArray k, NDArray v) {
        keys[layer].set(new NDIndex(":, :, {}, :", end), k);
        values[layer].set(new NDIndex(":, :, {}, :", end), v);
    }

    /** Every layer's whole key buffer, {@code [rows, kvHeads, capacity, headDim]} (the scripted forward writes the
     * step's column itself). */
    NDArray[] keyBuffers() {
        return keys.clone();
    }

    NDArray[] valueBuffers() {
        return values.clone();
    }

    /** The step's column: where this step's keys and values go. */
    int end() {
        return end;
    }

    /** Keys of a layer up to and including the step's column, {@code [rows, kvHeads, end + 1, headDim]}. */
    NDArray keys(NDManager step, int layer) {
        NDArray view = keys[layer].get(new NDIndex(":, :, :{}, :", end + 1));
        view.attach(step);
        return view;
    }

    NDArray values(NDManager step, int layer) {
        NDArray view = values[layer].get(new NDIndex(":, :, :{}, :", end + 1));
        view.attach(step);
        return view;
    }

    /**
     * Additive attention mask {@code [rows, 1, 1, end + 1]} hiding each row's unused leading columns; null when
     * every row uses every column.
     */
    NDArray mask(NDManager step) {
        boolean ragged = false;
        for (int i = 0; i < rows; i++) {
            ragged |= lengths[i] != end;
        }
        if (!ragged) {
            return null;
        }
        int width = end + 1;
        float[] m = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            Arrays.fill(m, i * width, i * width + end - lengths[i], Float.NEGATIVE_INFINITY);
        }
        return step.create(m, new Shape(rows, 1, 1, width));
    }

    /** After a step: every row is one position longer. */
    void advance() {
        end++;
        for (int i = 0; i < rows; i++) {
            lengths[i]++;
        }
    }

    /** Drops every row. */
    void clear() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
                values[l].close();
                keys[l] = null;
                values[l] = null;
            }
        }
        rows = 0;
        end = 0;
        capacity = 0;
        lengths = new int[0];
    }

    /** Columns allocated per layer (for tests and memory accounting). */
    int capacity() {
        return capacity;
    }

    private NDArray replace(NDArray old, NDArray fresh, NDArray operand) {
        fresh.attach(manager);
        old.close();
        if (operand != old) {
            operand.close();
        }
        return fresh;
    }

    @Override
    public void close() {
        clear();
        manager.close();
    }
}
