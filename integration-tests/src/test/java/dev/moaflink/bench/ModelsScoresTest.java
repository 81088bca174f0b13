package dev.moaflink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ModelsScoresTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void theVoteSkipsAbstentionsAndBreaksTiesForTheLargerExpert() {
        assertEquals("7", ModelsScores.vote(new String[] {"7", null, "8"}), "one each: the larger expert's");
        assertEquals("8", ModelsScores.vote(new String[] {"7", "8", "8"}));
        assertNull(ModelsScores.vote(new String[] {null, null, null}), "nobody answered");
    }

    @Test
    void expertsAloneAndTheirVoteComeFromTheLevelOneTraces() throws Exception {
        JsonNode q = json("{'id': 'q1', 'text': 'What is 3 + 4?', 'task_type': 'numeric', 'gold': '7', "
                + "'skill': 'arithmetic'}");
        JsonNode a = json("{'query_id': 'q1', 'correct': true, 'trace': ["
                + "{'level': 1, 'model': 'expert-small', 'status': 'RAN', 'extracted_answer': '8'},"
                + "{'level': 1, 'model': 'expert-medium', 'status': 'RAN', 'extracted_answer': null},"
                + "{'level': 1, 'model': 'expert-large', 'status': 'RAN', 'extracted_answer': '7'},"
                + "{'level': 1, 'model': 'expert-large', 'status': 'CANCELLED', 'extracted_answer': '9'},"
                + "{'level': 2, 'model': 'aggregator', 'status': 'SKIPPED', 'bypassed': true}]}");
        ModelsScores s = ModelsScores.of(Map.of("q1", q), Map.of("tree", List.of(a)), "tree");
        assertEquals(Map.of("q1", true), s.correct().get("expert-large"), "a cancelled copy does not count");
        assertEquals(Map.of("q1", false), s.correct().get("expert-small"));
        assertEquals(Map.of("q1", false), s.correct().get("expert-medium"), "an abstention is not right");
        assertEquals(Map.of("q1", true), s.correct().get(ModelsScores.VOTE));
        assertEquals(1, s.bypassed().get("tree"));
        assertEquals(Map.of("arithmetic", 1.0, "all", 1.0), s.accuracy("tree"));
    }
}
