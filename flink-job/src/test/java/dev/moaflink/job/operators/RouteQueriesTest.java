package dev.moaflink.job.operators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.testing.Fixtures;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RouteQueriesTest {

    @Test
    void sendsOneCallPerLeafToItsModelAndKeepsNoState() throws Exception {
        AgentRoutes routes = new AgentRoutes(false);
        try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new RouteQueries(Fixtures.treeAndDense(), routes), QueryTask::id, Types.STRING)) {
            h.open();
            h.processElement(Fixtures.query("q1", "tree"), 0);
            for (String model : List.of("a", "b", "c")) {
                List<AgentCall.Run> calls = h.getSideOutput(routes.tag(1, model)).stream()
                        .map(r -> (AgentCall.Run) r.getValue()).collect(Collectors.toList());
                assertEquals(3, calls.size(), "tree leaves cycle a, b, c");
                calls.forEach(c -> assertEquals(model, c.model()));
                assertTrue(calls.get(0).promptPrefix().contains("A) sky"), "choices are in the proposer prompt");
            }
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numProcessingTimeTimers() + h.numEventTimeTimers());
        }
    }

    @Test
    void fusedRoutingUsesOneTagPerLevel() throws Exception {
        AgentRoutes routes = new AgentRoutes(true);
        try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new RouteQueries(Fixtures.treeAndDense(), routes), QueryTask::id, Types.STRING)) {
            h.open();
            h.processElement(Fixtures.query("q2", "dense"), 0);
            assertEquals(9, h.getSideOutput(routes.tag(1, "whatever")).size());
        }
    }
}
