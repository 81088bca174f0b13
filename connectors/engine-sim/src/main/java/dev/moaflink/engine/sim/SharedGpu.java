package dev.moaflink.engine.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;

/**
 * One query's view of the GPU that serves a simulated model, in virtual time ({@code shared_gpu}). The sessions
 * of a query that run on the same model share it the way a continuous-batching server shares one GPU:
 * <ul>
 *   <li><b>prefill</b> is compute-bound, so prefills run one at a time: a piece of prefill work requested at
 *       {@code t} starts at the earliest moment from {@code t} on when the GPU's prefill lane is free for its whole
 *       length (an idle gap before later bookings is used);</li>
 *   <li><b>decode</b> is bound by memory bandwidth: every step reads the weights once for the whole batch plus
 *       each sequence's KV cache, so a step of a session takes {@code (1000 / decode_tps) * (1 + C / kv_weight_tokens)}
 *       ms, where {@code C} is the context (prompt + output so far) of every session decoding at that moment,
 *       its own included.</li>
 * </ul>
 * Sessions are booked in the order their generations are computed; a session sees the ones booked before it
 * (their whole decode, at their mean context), not the ones booked after it. The job books a query's sessions in
 * the order their inputs became ready, so the first of several equal sessions decodes faster than the last, and a
 * session later cut short by early exit still counts as running to its end. Prefill and decode do not slow each
 * other. Thread-safe.
 */
final class SharedGpu {

    // start -> end of each booked prefill interval; non-overlapping.
    private final TreeMap<Double, Double> prefill = new TreeMap<>();
    // {start, end, context tokens} of each booked decode.
    private final List<double[]> decodes = new ArrayList<>();

    /**
     * Books {@code ms} of prefill at the earliest start at or after {@code at} where the lane is free for all of it.
     *
     * @return the start
     */
    synchronized double bookPrefill(double at, double ms) {
        double start = at;
        if (ms > 0) {
            // An interval that began before 'at' may still be running at 'at'.
            Map.Entry<Double, Double> before = prefill.floorEntry(start);
            if (before != null && before.getValue() > start) {
                start = before.getValue();
            }
            for (Map.Entry<Double, Double> next : prefill.tailMap(start, true).entrySet()) {
                if (next.getKey() >= start + ms) {
                    break;
                }
                start = Math.max(start, next.getValue());
            }
            prefill.put(start, start + ms);
        }
        return start;
    }

    /**
     * Decodes {@code tokens} tokens from {@code start}, each step at the speed the booked decodes leave, and books
     * this decode in turn.
     *
     * @param contextTokens  the session's context when it starts decoding (its prompt)
     * @param stepMs         one step of this session alone with an empty context
     * @param kvWeightTokens context tokens whose KV cache is as large as the weights; {@code inf}: context is free
     * @return the end of the decode, and the time its first token was out, as {end, firstTokenAt}
     */
    synchronized double[] decode(double start, int tokens, int contextTokens, double stepMs, double kvWeightTokens) {
        double[] out = steps(start, tokens, contextTokens, stepMs, kvWeightTokens, boundaries(start), this::occupancy);
        if (tokens > 0) {
            decodes.add(new double[] {start, out[0], contextTokens + tokens / 2.0});
        }
        return out;
    }

    /** {@link #decode} on a GPU of its own: only the session's own context slows its steps. */
    static double[] decodeAlone(double start, int tokens, int contextTokens, double stepMs, double kvWeightTokens) {
        return steps(start, tokens, contextTokens, stepMs, kvWeightTokens, new double[0], t -> 0);
    }

    /** Steps through the decode; {@code others} (the other sessions' context) changes only at {@code cuts}. */
    private static double[] steps(double start, int tokens, int contextTokens, double stepMs, double kvWeightTokens,
                                  double[] cuts, DoubleUnaryOperator others) {
        if (tokens <= 0) {
            return new double[] {start, start};
        }
        double perContext = Double.isFinite(kvWeightTokens) ? 1 / kvWeightTokens : 0;
        int next = 0;
        double around = others.applyAsDouble(start);
        double t = start;
        double first = start;
        for (int i = 0; i < tokens; i++) {
            while (next < cuts.length && cuts[next] <= t) {
                around = others.applyAsDouble(cuts[next]);
                next++;
            }
            t += stepMs * (1 + (around + contextTokens + i) * perContext);
            if (i == 0) {
                first = t;
            }
        }
        return new double[] {t, first};
    }

    /** Context tokens of the booked decodes running at {@code t}. */
    private double occupancy(double t) {
        double c = 0;
        for (double[] d : decodes) {
            if (d[0] <= t && t < d[1]) {
                c += d[2];
            }
        }
        return c;
    }

    /** The starts and ends of booked decodes after {@code t}, sorted. */
    private double[] boundaries(double t) {
        double[] out = new double[decodes.size() * 2];
        int n = 0;
        for (double[] d : decodes) {
            if (d[0] > t) {
                out[n++] = d[0];
            }
            if (d[1] > t) {
                out[n++] = d[1];
            }
        }
        out = Arrays.copyOf(out, n);
        Arrays.sort(out);
        return out;
    }
}
