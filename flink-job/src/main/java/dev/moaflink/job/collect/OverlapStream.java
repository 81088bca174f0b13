package dev.moaflink.job.collect;

import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;

/**
 * Prefill/decode overlap in real time: a parent's session opens at the first chunk of any of its children (the empty
 * one an agent emits when it starts), and each child's output is appended to it as it streams, slot by slot in child
 * order; a later child's chunks wait here until the slots before its own are closed. A child stopped or failed before
 * any of it reached its slot gets none.
 */
public final class OverlapStream {

    private final CallSender sender;
    private final AggregatorCalls calls;

    public OverlapStream(CallSender sender, AggregatorCalls calls) {
        this.sender = sender;
        this.calls = calls;
    }

    /** Opens {@code parent}'s session if needed and appends whatever of its slots can be written now. */
    public void stream(Topology topology, TopologyNode parent, LevelState p) {
        int pi = parent.index();
        if (!p.isOpened(parent)) {
            p.slot[pi] = new int[] {0, -1, 0};
            p.sent[pi] = "";
            sender.open(parent, p, calls.prefix(p.query));
        }
        TopologyNode[] kids = topology.childrenOf(parent);
        int[] slot = p.slot[pi];
        int[] writer = {slot[1], slot[2]};
        StringBuilder piece = new StringBuilder();
        while (slot[0] < kids.length) {
            int k = kids[slot[0]].index();
            NodeResult r = p.finished[k];
            boolean unusable = r != null && !r.trace().hasOutput();
            if (!SlotWriter.started(writer) && (p.isStopRequested(k) || unusable)) {
                slot[0]++; // never started: a stopped or failed input gets no slot
                continue;
            }
            String text = p.partial(k) == null ? "" : p.partial(k);
            boolean startedBefore = SlotWriter.started(writer);
            piece.append(SlotWriter.take(writer, text, r != null));
            if (!startedBefore && SlotWriter.started(writer)) {
                p.slotted[pi] |= LevelState.bit(k);
            }
            if (r == null) {
                break;
            }
            slot[0]++;
            writer[0] = -1;
        }
        slot[1] = writer[0];
        slot[2] = writer[1];
        if (piece.length() > 0) {
            p.sent[pi] = p.sent[pi] + piece;
            sender.append(parent, p, piece.toString());
        }
    }

    /** The prompt streamed into {@code parent}'s session, when it was opened ahead; else null. */
    public static SlottedPrompt written(TopologyNode parent, LevelState p) {
        return p.isOpened(parent) ? SlottedPrompt.streamed(p.sent[parent.index()], p.slotted[parent.index()]) : null;
    }
}
