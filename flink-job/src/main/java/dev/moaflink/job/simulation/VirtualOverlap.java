package dev.moaflink.job.simulation;

import dev.moaflink.job.collect.LevelState;
import dev.moaflink.job.collect.SlotWriter;
import dev.moaflink.job.collect.SlottedPrompt;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;
import dev.moaflink.schema.NodeStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Prefill/decode overlap in virtual time: once a parent's inputs are all in, composes the prompt pieces that real-time
 * streaming would have appended to its session, each with the time it became available on the engine clock (a chunk's
 * time is its share of its child's decode, output tokens taken to be decoded at an even rate). The engine then
 * prefills each piece from that time ({@code SimulatedSession.at}).
 */
final class VirtualOverlap {

    private VirtualOverlap() {}

    static SlottedPrompt schedule(Topology topology, TopologyNode parent, LevelState p) {
        TopologyNode[] kids = topology.childrenOf(parent);
        double open = Double.POSITIVE_INFINITY;
        for (TopologyNode kid : kids) {
            open = Math.min(open, chunkTime(p, kid.index(), 0));
        }
        List<String> pieces = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        double clock = open;
        long slotted = 0;
        int[] writer = {-1, 0};
        for (TopologyNode kid : kids) {
            int k = kid.index();
            NodeResult r = p.finished[k];
            double end = r.trace().endOffsetMs();
            String text = r.trace().status() == NodeStatus.CANCELLED || p.partial(k) == null ? r.text() : p.partial(k);
            int[] m = p.marks(k) == null ? new int[0] : p.marks(k);
            int usableChunks = 0;
            while (usableChunks * 2 + 1 < m.length && m[usableChunks * 2] <= text.length()) {
                usableChunks++;
            }
            // The slot starts once the slots before it are closed; an input that ended unusable before then, or
            // was stopped before any of it reached its slot, gets none.
            double firstPiece = usableChunks > 0 ? Math.max(clock, chunkTime(p, k, 0)) : Double.POSITIVE_INFINITY;
            boolean usable = r.trace().hasOutput();
            if (!usable && firstPiece > end) {
                continue;
            }
            for (int i = 0; i < usableChunks; i++) {
                String piece = SlotWriter.take(writer, text.substring(0, m[i * 2]), false);
                clock = Math.max(clock, chunkTime(p, k, i));
                if (!piece.isEmpty()) {
                    pieces.add(piece);
                    times.add(clock);
                }
            }
            String last = SlotWriter.take(writer, text, true);
            clock = Math.max(clock, end);
            if (SlotWriter.started(writer)) {
                slotted |= 1L << k;
                pieces.add(last);
                times.add(clock);
            }
            writer[0] = -1;
        }
        double[] ready = new double[times.size()];
        for (int i = 0; i < ready.length; i++) {
            ready[i] = times.get(i);
        }
        return new SlottedPrompt(pieces, slotted, ready, Double.isInfinite(open) ? 0 : open);
    }

    /** When chunk {@code i} of child {@code k} was available: its share of the decode. */
    private static double chunkTime(LevelState p, int k, int i) {
        NodeTrace t = p.finished[k].trace();
        int[] m = p.marks(k);
        if (m == null || i * 2 + 1 >= m.length || t.outputTokens() == 0) {
            return t.endOffsetMs();
        }
        double decodeStart = t.endOffsetMs() - t.decodeMs();
        return Math.min(t.endOffsetMs(), decodeStart + t.decodeMs() * m[i * 2 + 1] / t.outputTokens());
    }
}
