package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moaflink.deploy.ExpertVerdicts.Verdict;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.NodeStatus;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ExpertVerdictsTest {

    private static final Query QUERY = Query.newBuilder().setId("q1").setText("Which word means: not ceasing?")
            .setChoices(List.of("ceaseless", "tipped", "toxic", "eighteen")).setTaskType(TaskType.MULTIPLE_CHOICE)
            .setGold("A").setSubmittedAt(Instant.EPOCH).build();

    private static AgentTrace node(String id, int level, String model, NodeStatus status, String extracted) {
        return AgentTrace.newBuilder().setNodeId(id).setLevel(level).setModel(model).setStatus(status)
                .setExtractedAnswer(extracted).build();
    }

    private static Answer answer(boolean correct, AgentTrace... trace) {
        return Answer.newBuilder().setQueryId("q1").setText("Answer: 'ceaseless'").setExtractedAnswer("A")
                .setCorrect(correct).setSubmittedAt(Instant.EPOCH).setAnsweredAt(Instant.EPOCH).setTrace(List.of(trace)).build();
    }

    @Test
    void eachExpertIsJudgedByItsCopiesThatRan() {
        Answer a = answer(true,
                node("L1.0", 1, "expert-small", NodeStatus.RAN, null),        // abstained
                node("L1.1", 1, "expert-medium", NodeStatus.RAN, "A"),
                node("L1.2", 1, "expert-large", NodeStatus.CANCELLED, null),
                node("L1.3", 1, "expert-small", NodeStatus.RAN, null),
                node("L1.4", 1, "expert-medium", NodeStatus.RAN, "A"),
                node("L1.5", 1, "expert-large", NodeStatus.CANCELLED, null),
                node("L2.0", 2, "aggregator", NodeStatus.RAN, "B"));          // aggregators are not experts
        Map<String, Verdict> v = ExpertVerdicts.of(a, QUERY);
        assertEquals(Map.of("expert-small", Verdict.NO_ANSWER, "expert-medium", Verdict.RIGHT,
                "expert-large", Verdict.STOPPED), v);
        assertEquals("experts: expert-small no answer, expert-medium right, expert-large stopped",
                ExpertVerdicts.line(v));
    }

    @Test
    void sampledCopiesCountByMajority() {
        Answer a = answer(false,
                node("L1.0", 1, "expert-large", NodeStatus.RAN, "A"),
                node("L1.1", 1, "expert-large", NodeStatus.RAN, "B"),
                node("L1.2", 1, "expert-large", NodeStatus.RAN, "C"));
        assertEquals(Verdict.WRONG, ExpertVerdicts.of(a, QUERY).get("expert-large"), "one of three right");
    }

    @Test
    void theTallyComparesTheMoaAnswerWithEachExpertAlone() {
        ExpertVerdicts tally = new ExpertVerdicts();
        Answer right = answer(true, node("L1.0", 1, "expert-small", NodeStatus.RAN, null),
                node("L1.1", 1, "expert-medium", NodeStatus.RAN, "A"));
        Answer wrong = answer(false, node("L1.0", 1, "expert-small", NodeStatus.RAN, "A"),
                node("L1.1", 1, "expert-medium", NodeStatus.RAN, "C"));
        tally.add(right, ExpertVerdicts.of(right, QUERY));
        tally.add(wrong, ExpertVerdicts.of(wrong, QUERY));
        assertEquals("On the same 2 queries: MoA answer 1 right (50%); alone, expert-small 1 (50%), "
                + "expert-medium 1 (50%)", tally.summary());
    }
}
