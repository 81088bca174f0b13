package dev.moaflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.job.config.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The faster-moa benchmark's figures from hand-made answers. */
@Timeout(10)
class VariantMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Three answers: one plain with a cancelled leaf, one with a bypassed root and a skipped leaf, one degraded. */
    private static final List<String> ANSWERS = List.of("""
            {"query_id": "q1", "latency_ms": 100, "correct": true, "aggregator_bypassed": false, "simulated": true,
             "trace": [
              {"node_id": "L1.0", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 5,
               "prefill_ms": 1, "prefill_exposed_ms": 1},
              {"node_id": "L1.1", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 7},
              {"node_id": "L1.2", "level": 1, "status": "CANCELLED", "prompt_tokens": 10, "output_tokens": 2},
              {"node_id": "root", "level": 2, "status": "RAN", "prompt_tokens": 40, "output_tokens": 6,
               "prefill_ms": 8, "prefill_exposed_ms": 2, "bypassed": false}]}""", """
            {"query_id": "q2", "latency_ms": 300, "correct": false, "aggregator_bypassed": true, "simulated": true,
             "trace": [
              {"node_id": "L1.0", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 5},
              {"node_id": "L1.1", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 5},
              {"node_id": "L1.2", "level": 1, "status": "SKIPPED", "prompt_tokens": 0, "output_tokens": 0},
              {"node_id": "root", "level": 2, "status": "SKIPPED", "bypassed": true, "vote_share": 1.0,
               "prompt_tokens": 99, "output_tokens": 99}]}""", """
            {"query_id": "q3", "latency_ms": 200, "correct": null, "degraded": true, "simulated": false,
             "trace": [
              {"node_id": "L1.0", "level": 1, "status": "RAN", "prompt_tokens": 10, "output_tokens": 1},
              {"node_id": "root", "level": 2, "status": "FAILED", "prompt_tokens": 20, "output_tokens": 0,
               "prefill_ms": 4, "prefill_exposed_ms": 4}]}""");

    @Test
    void figuresFromHandMadeAnswers() throws Exception {
        VariantMetrics m = VariantMetrics.of(parse(ANSWERS));

        assertEquals(3, m.queries());
        assertEquals(200, m.p50Ms(), 1e-9, "nearest rank of 100, 200, 300");
        assertEquals(300, m.p95Ms(), 1e-9);
        assertEquals(200, m.meanMs(), 1e-9);
        assertEquals(2, m.withGold(), "q3 had no gold");
        assertEquals(0.5, m.accuracy(), 1e-9);
        assertEquals(6.0 / 3, m.invocations(), 1e-9, "RAN nodes: 3 + 2 + 1");
        assertEquals(10.0 / 3, m.nodesPerQuery(), 1e-9);
        assertEquals(120.0 / 3, m.promptTokens(), 1e-9, "skipped nodes (the bypassed root's 99) do not count");
        assertEquals(31.0 / 3, m.outputTokens(), 1e-9);
        assertEquals(6.0 / 3, m.exposedPrefillMs(), 1e-9, "level >= 2 only: 2 + 0 + 4");
        assertEquals(12.0 / 3, m.aggregatorPrefillMs(), 1e-9, "level >= 2 only: 8 + 0 + 4");
        assertEquals(0.1, m.cancelRate(), 1e-9, "1 of 10 nodes");
        assertEquals(0.1, m.skipRate(), 1e-9, "the skipped leaf; the bypassed root is not a skip");
        assertEquals(1.0 / 3, m.bypassRate(), 1e-9, "1 of 3 aggregators");
        assertEquals(1.0 / 3, m.aggregatorBypassedShare(), 1e-9);
        assertEquals(1.0 / 3, m.degradedShare(), 1e-9);
        assertTrue(m.simulated());

        Map<String, Object> f = m.figures();
        assertEquals(0.5, f.get("accuracy"));
        assertEquals(2.0, f.get("invocations"));
        assertEquals(2.0, f.get("exposed_prefill_ms"));
        assertEquals(0.3333, f.get("bypass_rate"));
        assertEquals(true, f.get("simulated"));
    }

    @Test
    void noGoldMeansNoAccuracyAndNoAnswersIsAnError() throws Exception {
        VariantMetrics m = VariantMetrics.of(parse(List.of(ANSWERS.get(2))));
        assertNull(m.accuracy());
        assertFalse(m.simulated());
        assertEquals(0, m.bypassRate(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> VariantMetrics.of(List.of()));
    }

    @Test
    void pairedAccuracyCountsTheQuestionsTwoVariantsAnsweredDifferentlyWithAnExactSignTest() {
        Map<String, Boolean> dense = Map.of("a", true, "b", true, "c", false, "d", true, "e", false);
        Map<String, Boolean> tree = Map.of("a", true, "b", false, "c", true, "d", false, "e", false, "x", true);
        VariantMetrics.Paired p = VariantMetrics.Paired.of(tree, dense);
        assertEquals(1, p.gained(), "c");
        assertEquals(2, p.lost(), "b and d; x has no counterpart");
        assertEquals(1.0, p.signTestP(), 1e-12, "1 vs 2 of 3: 2 * P(X <= 1) = 2 * 4/8, capped at 1");
        assertEquals(2 * 56.0 / 1024, VariantMetrics.Paired.signTest(2, 8), 1e-12, "2 * (1 + 10 + 45) / 1024");
        assertEquals(0.3833, VariantMetrics.Paired.signTest(8, 13), 1e-4);
        assertEquals(1.0, VariantMetrics.Paired.signTest(0, 0), 1e-12);
    }

    @Test
    void answersPairAcrossVariantsByTheirQueryId() throws Exception {
        // Every variant answers the same query ids; ids may hold a '/' of their own.
        VariantMetrics dense = VariantMetrics.of(parse(List.of(
                "{\"query_id\": \"suite/1\", \"latency_ms\": 10, \"correct\": true, \"trace\": []}",
                "{\"query_id\": \"other/1\", \"latency_ms\": 10, \"correct\": false, \"trace\": []}")));
        VariantMetrics tree = VariantMetrics.of(parse(List.of(
                "{\"query_id\": \"other/1\", \"latency_ms\": 10, \"correct\": true, \"trace\": []}",
                "{\"query_id\": \"suite/1\", \"latency_ms\": 10, \"correct\": true, \"trace\": []}")));
        assertEquals(Map.of("suite/1", true, "other/1", false), dense.correct());
        VariantMetrics.Paired p = VariantMetrics.Paired.of(tree.correct(), dense.correct());
        assertEquals(1, p.gained(), "other/1: wrong in dense, right in tree");
        assertEquals(0, p.lost(), "suite/1: right in both");
    }

    @Test
    void variantsAreSelectedByNameOrShortName() {
        List<Variant> all = Variant.standard("dense-9-9-1", "tree-9-3-1");
        assertEquals(7, Variant.select(all, "all").size());
        assertEquals(List.of("dense", "+bypass T=2/3"),
                Variant.select(all, "+bypass T=2/3,dense").stream().map(Variant::name).toList());
        assertEquals(List.of("tree-overlap-ee"),
                Variant.select(all, "tree-overlap-ee").stream().map(Variant::slug).toList());
        assertThrows(IllegalArgumentException.class, () -> Variant.select(all, "star"));
    }

    private static List<JsonNode> parse(List<String> lines) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            out.add(JSON.readTree(l));
        }
        return out;
    }
}
