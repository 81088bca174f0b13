package dev.moaflink.job.dedup;

import java.io.IOException;
import java.util.ArrayDeque;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The query ids one key group accepted within the duplicate window, as 64-bit hashes in time slices of a
 * sixteenth of the window: a lookup probes each slice's hash set, and expiry drops whole slices, so an id is
 * remembered for at least the window and at most a sixteenth longer. Written to checkpoints as 8 bytes an id.
 */
final class IdWindow {

    static final int SLICES = 16;
    private static final int FORMAT = 1;

    private final long windowMs;
    private final long sliceMs;
    /** Oldest first; the last one takes new ids. */
    private final ArrayDeque<Slice> slices = new ArrayDeque<>();
    private long size;

    IdWindow(long windowMs) {
        this.windowMs = windowMs;
        this.sliceMs = Math.max(1, windowMs / SLICES);
    }

    /** Records {@code hash} at {@code nowMs} and returns true, or returns false if it is already in the window. */
    boolean addIfAbsent(long hash, long nowMs) {
        expire(nowMs);
        long h = hash == 0 ? 1 : hash; // 0 marks an empty table cell
        for (Slice s : slices) {
            if (s.contains(h)) {
                return false;
            }
        }
        Slice last = slices.peekLast();
        if (last == null || nowMs >= last.start + sliceMs) {
            last = new Slice(nowMs - Math.floorMod(nowMs, sliceMs), 16);
            slices.addLast(last);
        }
        last.add(h);
        size++;
        return true;
    }

    /** Drops the slices whose every id has been remembered for the whole window. */
    void expire(long nowMs) {
        while (!slices.isEmpty() && slices.peekFirst().start + sliceMs + windowMs <= nowMs) {
            size -= slices.removeFirst().size;
        }
    }

    long size() {
        return size;
    }

    void write(DataOutputView out) throws IOException {
        out.writeInt(FORMAT);
        out.writeInt(slices.size());
        for (Slice s : slices) {
            out.writeLong(s.start);
            out.writeInt(s.size);
            for (long h : s.table) {
                if (h != 0) {
                    out.writeLong(h);
                }
            }
        }
    }

    static IdWindow read(DataInputView in, long windowMs) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unknown duplicate-id window format " + format);
        }
        IdWindow w = new IdWindow(windowMs);
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            long start = in.readLong();
            int n = in.readInt();
            Slice s = new Slice(start, n);
            for (int j = 0; j < n; j++) {
                s.add(in.readLong());
            }
            w.slices.addLast(s);
            w.size += n;
        }
        return w;
    }

    /** An open-addressing hash set of non-zero longs, at most half full. */
    static final class Slice {
        final long start;
        long[] table;
        int size;

        Slice(long start, int expected) {
            this.start = start;
            this.table = new long[Math.max(16, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) << 1)];
        }

        boolean contains(long h) {
            int mask = table.length - 1;
            for (int i = (int) h & mask; ; i = (i + 1) & mask) {
                long v = table[i];
                if (v == h) {
                    return true;
                }
                if (v == 0) {
                    return false;
                }
            }
        }

        void add(long h) {
            if ((size + 1) * 2 > table.length) {
                long[] old = table;
                table = new long[old.length * 2];
                for (long v : old) {
                    if (v != 0) {
                        insert(v);
                    }
                }
            }
            insert(h);
            size++;
        }

        private void insert(long h) {
            int mask = table.length - 1;
            int i = (int) h & mask;
            while (table[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = h;
        }
    }
}
