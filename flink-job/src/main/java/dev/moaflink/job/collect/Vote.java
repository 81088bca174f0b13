package dev.moaflink.job.collect;

import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.topology.TopologyNode;
import java.util.List;

/**
 * The largest group of a sibling group's children giving the same extracted answer (first seen wins a tie): its
 * answer, its share of the whole group, the text of its most confident member and the members' mean confidence.
 */
public record Vote(String answer, double share, String text, double confidence) {

    /** Shares are compared at two decimals, so that a threshold of 0.67 means two thirds. */
    private static final double SHARE_TOLERANCE = 0.005;
    private static final Vote NONE = new Vote(null, 0, null, 0);

    /** Whether the vote reaches {@code threshold}: the parent is bypassed with the agreed answer. */
    public boolean reaches(double threshold) {
        return answer != null && share >= threshold - SHARE_TOLERANCE;
    }

    /** The vote of {@code children}, as far as {@code state} has their results. */
    public static Vote of(TopologyNode[] children, LevelState state) {
        NodeResult[] results = new NodeResult[children.length];
        for (int i = 0; i < children.length; i++) {
            results[i] = state.finished[children[i].index()];
        }
        return of(results, children.length);
    }

    /** The vote over the children finished so far, as a share of all {@code groupSize} of them. */
    public static Vote of(List<NodeResult> finished, int groupSize) {
        return of(finished.toArray(NodeResult[]::new), groupSize);
    }

    /** {@code results}: the children's results, null for an unfinished one (no answer). */
    private static Vote of(NodeResult[] results, int groupSize) {
        String[] answers = new String[results.length];
        int best = 0;
        String bestAnswer = null;
        for (int i = 0; i < results.length; i++) {
            NodeTrace t = results[i] == null ? null : results[i].trace();
            answers[i] = t != null && t.hasOutput() ? t.extractedAnswer() : null;
            if (answers[i] == null) {
                continue;
            }
            int n = 0;
            for (int j = 0; j <= i; j++) {
                n += answers[i].equals(answers[j]) ? 1 : 0;
            }
            if (n > best) {
                best = n;
                bestAnswer = answers[i];
            }
        }
        if (bestAnswer == null) {
            return NONE;
        }
        // The agreed output: the text of the most confident child giving the answer; confidence: their mean.
        String text = null;
        double top = -1;
        double sum = 0;
        for (int i = 0; i < results.length; i++) {
            if (bestAnswer.equals(answers[i])) {
                NodeResult r = results[i];
                sum += r.trace().confidence();
                if (r.trace().confidence() > top) {
                    top = r.trace().confidence();
                    text = r.text();
                }
            }
        }
        return new Vote(bestAnswer, (double) best / groupSize, text, sum / best);
    }
}
