package dev.moaflink.job.collect;

import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.topology.TopologyNode;
import java.util.Arrays;

/**
 * One query's progress at a topology level, kept by the level's collector in a single state value (one read and one
 * write per finished node): the finished nodes by index within the level, and a bit per next-level node already
 * sent. With the mechanisms on, also the children's streamed text, and per parent its open session's slot progress.
 *
 * <p>A Flink POJO (public fields, public no-argument constructor), so that it is serialized without Kryo.
 */
public final class LevelState {
    public QueryTask query;
    public NodeResult[] finished;
    /** Parents whose call has been sent. */
    public long emitted;
    /** Children asked to stop by early exit or a settled vote. */
    public long cancelRequested;
    /** Of those, the ones stopped because the others' vote settled their parent's bypass. */
    public long settledStop;
    /** Sibling groups (by their first child's index) whose early exit was decided (virtual time). */
    public long decided;
    /** Parents whose session is open (real-time overlap). */
    public long opened;
    /** Per child: output streamed so far (overlap). */
    public String[] partial;
    /** Per child: (characters, tokens) at the end of each streamed chunk (virtual-time overlap). */
    public int[][] marks;
    /** Per parent: {child position being written, its characters consumed (-1 = slot not started), slots numbered}. */
    public int[][] slot;
    /** Per parent: prompt text appended to its session after the prefix. */
    public String[] sent;
    /** Per parent: children that have a slot in its prompt. */
    public long[] slotted;
    /** Per parent: the replica its session was opened on. */
    public int[] replica;

    public LevelState() {}

    public LevelState(int levelSize, int parents) {
        this.finished = new NodeResult[levelSize];
        this.slot = new int[parents][];
        this.sent = new String[parents];
        this.slotted = new long[parents];
        this.replica = new int[parents];
    }

    public boolean isEmitted(TopologyNode parent) {
        return (emitted & bit(parent.index())) != 0;
    }

    /** Whether every one of the level's {@code parents} has been sent: the query's state can go. */
    public boolean allEmitted(int parents) {
        return Long.bitCount(emitted) == parents;
    }

    public boolean isOpened(TopologyNode parent) {
        return (opened & bit(parent.index())) != 0;
    }

    public boolean isStopRequested(int child) {
        return (cancelRequested & bit(child)) != 0;
    }

    /** Whether child {@code child} was stopped because the others' vote settled its parent's bypass. */
    public boolean isSettledStop(int child) {
        return (settledStop & bit(child)) != 0;
    }

    /** Records that child {@code child} was asked to stop, by a settled vote or by early exit. */
    public void requestStop(int child, boolean settledVote) {
        cancelRequested |= bit(child);
        if (settledVote) {
            settledStop |= bit(child);
        }
    }

    /** Whether every node of the level has its result. */
    public boolean levelFinished() {
        for (NodeResult r : finished) {
            if (r == null) {
                return false;
            }
        }
        return true;
    }

    public void addText(int child, String text) {
        if (partial == null) {
            partial = new String[finished.length];
        }
        partial[child] = partial[child] == null ? text : partial[child] + text;
    }

    /** Child {@code child}'s text streamed so far, or null. */
    public String partial(int child) {
        return partial == null ? null : partial[child];
    }

    public void addMark(int child, int tokens) {
        if (marks == null) {
            marks = new int[finished.length][];
        }
        int[] m = marks[child] == null ? new int[0] : marks[child];
        m = Arrays.copyOf(m, m.length + 2);
        m[m.length - 2] = partial[child].length();
        m[m.length - 1] = tokens;
        marks[child] = m;
    }

    /** Child {@code child}'s marks: (characters, tokens) at the end of each streamed chunk, or null. */
    public int[] marks(int child) {
        return marks == null ? null : marks[child];
    }

    static long bit(int index) {
        return 1L << index;
    }
}
