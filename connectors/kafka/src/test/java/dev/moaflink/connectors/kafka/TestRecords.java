package dev.moaflink.connectors.kafka;

import java.time.Instant;
import java.util.List;

import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;

/** Small valid records for tests. */
final class TestRecords {
    static final Instant SUBMITTED = Instant.parse("2025-01-02T03:04:05.678Z");

    private TestRecords() {
    }

    static Query query(String id) {
        return Query.newBuilder()
                .setId(id)
                .setText("What is 6 x 7?")
                .setChoices(List.of("41", "42"))
                .setTaskType(TaskType.MULTIPLE_CHOICE)
                .setGold("B")
                .setSubmittedAt(SUBMITTED)
                .build();
    }

    static Answer answer(String queryId) {
        return Answer.newBuilder()
                .setQueryId(queryId)
                .setText("The answer is B")
                .setExtractedAnswer("B")
                .setConfidence(0.9)
                .setSubmittedAt(SUBMITTED)
                .setAnsweredAt(SUBMITTED.plusMillis(1500))
                .setTrace(List.of(AgentTrace.newBuilder()
                        .setNodeId("L1.0")
                        .setLevel(1)
                        .setModel("sim-small")
                        .setStatus(NodeStatus.RAN)
                        .setInputs(List.of())
                        .build()))
                .build();
    }
}
