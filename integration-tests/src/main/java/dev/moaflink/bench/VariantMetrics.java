package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One variant's figures in the {@code faster-moa} benchmark, computed from its answers in the job's JSON form (the
 * lines batch mode writes, snake_case like the Avro schemas). Per-query figures are means over the answers; rates
 * are over all trace nodes of all answers. Aggregators are the nodes of level 2 and up.
 *
 * @param queries                 answers
 * @param withGold                answers whose query had a gold answer ({@code correct} not null)
 * @param accuracy                correct ÷ withGold; null when no query had gold
 * @param invocations             nodes with status RAN per query
 * @param promptTokens            prompt tokens per query, over the nodes that called an engine (not SKIPPED)
 * @param outputTokens            output tokens per query, over the same nodes
 * @param exposedPrefillMs        per query, the sum of {@code prefill_exposed_ms} over the aggregators
 * @param aggregatorPrefillMs     per query, the sum of {@code prefill_ms} (overlapped and exposed) over the aggregators
 * @param cancelRate              CANCELLED nodes ÷ nodes
 * @param skipRate                SKIPPED nodes that were not bypassed ÷ nodes
 * @param bypassRate              bypassed aggregators ÷ aggregators
 * @param aggregatorBypassedShare answers flagged {@code aggregator_bypassed} ÷ answers
 * @param degradedShare           answers flagged {@code degraded} ÷ answers
 * @param simulated               some answer came from the simulated engine
 * @param correct                 per question with gold (its query id: every variant answers the same ids),
 *                                whether the answer was right
 */
record VariantMetrics(int queries, int withGold, double p50Ms, double p95Ms, double meanMs, Double accuracy,
                      double invocations, double nodesPerQuery, double promptTokens, double outputTokens,
                      double exposedPrefillMs, double aggregatorPrefillMs, double cancelRate, double skipRate,
                      double bypassRate, double aggregatorBypassedShare, double degradedShare, boolean simulated,
                      Map<String, Boolean> correct) {

    /**
     * A paired comparison of two variants' answers to the same questions: {@code gained} questions this variant
     * got right and the other wrong, {@code lost} the reverse, and the exact two-sided sign test's p-value of that
     * split (how likely a split at least this uneven is if neither variant is more accurate).
     */
    record Paired(int gained, int lost, double signTestP) {

        static Paired of(Map<String, Boolean> variant, Map<String, Boolean> reference) {
            int gained = 0;
            int lost = 0;
            for (Map.Entry<String, Boolean> e : variant.entrySet()) {
                Boolean ref = reference.get(e.getKey());
                if (ref != null && !ref.equals(e.getValue())) {
                    if (e.getValue()) {
                        gained++;
                    } else {
                        lost++;
                    }
                }
            }
            return new Paired(gained, lost, signTest(gained, lost));
        }

        /** min(1, 2 · P(X ≤ min(a, b))) for X ~ Binomial(a + b, 1/2). */
        static double signTest(int a, int b) {
            int n = a + b;
            int k = Math.min(a, b);
            double logHalfN = n * Math.log(0.5);
            double sum = 0;
            double logC = 0; // log C(n, 0)
            for (int i = 0; i <= k; i++) {
                if (i > 0) {
                    logC += Math.log(n - i + 1) - Math.log(i);
                }
                sum += Math.exp(logC + logHalfN);
            }
            return Math.min(1, 2 * sum);
        }
    }

    static VariantMetrics of(List<JsonNode> answers) {
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("no answers to measure");
        }
        int n = answers.size();
        double[] latencies = new double[n];
        int withGold = 0;
        int correct = 0;
        long ran = 0;
        long nodes = 0;
        long cancelled = 0;
        long skipped = 0;
        long aggregators = 0;
        long bypassed = 0;
        double promptTokens = 0;
        double outputTokens = 0;
        double exposed = 0;
        double prefill = 0;
        int rootBypassed = 0;
        int degraded = 0;
        boolean simulated = false;
        Map<String, Boolean> byQuestion = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            JsonNode a = answers.get(i);
            latencies[i] = a.path("latency_ms").asDouble();
            JsonNode c = a.get("correct");
            if (c != null && !c.isNull()) {
                withGold++;
                correct += c.asBoolean() ? 1 : 0;
                byQuestion.put(a.path("query_id").asText(), c.asBoolean());
            }
            rootBypassed += a.path("aggregator_bypassed").asBoolean() ? 1 : 0;
            degraded += a.path("degraded").asBoolean() ? 1 : 0;
            simulated |= a.path("simulated").asBoolean();
            for (JsonNode t : a.path("trace")) {
                nodes++;
                String status = t.path("status").asText();
                boolean isBypassed = t.path("bypassed").asBoolean();
                switch (status) {
                    case "RAN" -> ran++;
                    case "CANCELLED" -> cancelled++;
                    case "SKIPPED" -> skipped += isBypassed ? 0 : 1;
                    default -> { }
                }
                if (!status.equals("SKIPPED")) {
                    promptTokens += t.path("prompt_tokens").asDouble();
                    outputTokens += t.path("output_tokens").asDouble();
                }
                if (t.path("level").asInt() >= 2) {
                    aggregators++;
                    bypassed += isBypassed ? 1 : 0;
                    exposed += t.path("prefill_exposed_ms").asDouble();
                    prefill += t.path("prefill_ms").asDouble();
                }
            }
        }
        Percentiles p = new Percentiles(latencies);
        return new VariantMetrics(n, withGold, p.p(0.50), p.p(0.95), p.mean(),
                withGold == 0 ? null : (double) correct / withGold, (double) ran / n, (double) nodes / n, promptTokens / n,
                outputTokens / n, exposed / n, prefill / n, share(cancelled, nodes), share(skipped, nodes),
                share(bypassed, aggregators), (double) rootBypassed / n, (double) degraded / n, simulated,
                Map.copyOf(byQuestion));
    }

    /** The figures as the report's JSON writes them (snake_case keys, rounded). */
    Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queries", queries);
        m.put("with_gold", withGold);
        m.put("p50_ms", round(p50Ms, 2));
        m.put("p95_ms", round(p95Ms, 2));
        m.put("mean_ms", round(meanMs, 2));
        m.put("accuracy", accuracy == null ? null : round(accuracy, 4));
        m.put("invocations", round(invocations, 3));
        m.put("nodes", round(nodesPerQuery, 3));
        m.put("prompt_tokens", round(promptTokens, 1));
        m.put("output_tokens", round(outputTokens, 1));
        m.put("exposed_prefill_ms", round(exposedPrefillMs, 2));
        m.put("aggregator_prefill_ms", round(aggregatorPrefillMs, 2));
        m.put("cancel_rate", round(cancelRate, 4));
        m.put("skip_rate", round(skipRate, 4));
        m.put("bypass_rate", round(bypassRate, 4));
        m.put("aggregator_bypassed", round(aggregatorBypassedShare, 4));
        m.put("degraded", round(degradedShare, 4));
        m.put("simulated", simulated);
        return m;
    }

    private static double share(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }

    static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
