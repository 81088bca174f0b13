package dev.moaflink.job.operators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.Query;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.testing.Fixtures;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
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
                List<AgentCall> calls = h.getSideOutput(routes.tag(1, model)).stream().map(StreamRecord::getValue)
                        .collect(Collectors.toList());
                assertEquals(3, calls.size(), "tree leaves cycle a, b, c");
                calls.forEach(c -> assertEquals(model, c.model()));
                assertTrue(calls.get(0).promptPrefix().contains("A) sky"), "choices are in the proposer prompt");
            }
            assertEquals(0, h.numKeyedStateEntries());
            assertEquals(0, h.numProcessingTimeTimers() + h.numEventTimeTimers());
        }
    }

    @Test
    void aDuplicateIdWithinTheWindowIsDeadLetteredAndAcceptedAgainAfterIt() throws Exception {
        AgentRoutes routes = new AgentRoutes(true);
        try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new RouteQueries(Fixtures.treeAndDense(), routes, 1_000), QueryTask::id, Types.STRING)) {
            h.open();
            h.setStateTtlProcessingTime(0); // state TTL's clock
            h.processElement(Fixtures.query("q3", "tree"), 0);
            h.processElement(Fixtures.query("q4", "tree"), 0);
            h.setStateTtlProcessingTime(500);
            h.processElement(Fixtures.query("q3", "tree"), 0);
            assertEquals(18, h.getSideOutput(routes.tag(1, "any")).size(), "q3 and q4 routed once each");
            List<DeadLetterRecord> dead = h.getSideOutput(RouteQueries.DUPLICATES).stream().map(StreamRecord::getValue)
                    .toList();
            assertEquals(1, dead.size());
            assertEquals(RejectKind.DUPLICATE_ID, dead.get(0).kind());
            assertEquals("q3", dead.get(0).queryId());
            assertTrue(dead.get(0).reason().contains("already accepted"), dead.get(0).reason());
            Query replay = AvroCodec.of(Query.class).decode(dead.get(0).payload());
            assertEquals("q3", replay.getId());
            assertEquals(Fixtures.query("q3", "tree").text(), replay.getText());
            h.setStateTtlProcessingTime(1_001);
            h.processElement(Fixtures.query("q3", "tree"), 0);
            assertEquals(27, h.getSideOutput(routes.tag(1, "any")).size(), "after the window the id is new again");
            assertEquals(1, h.getSideOutput(RouteQueries.DUPLICATES).size());
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
