package dev.moaflink.job.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.model.AnswerRecord;
import java.io.Serializable;
import java.util.Locale;

/**
 * What the run's summary needs of one answer (a few dozen bytes instead of the answer with its trace).
 *
 * @param correct null when the query had no gold answer
 */
public record ScoredAnswer(String queryId, String taskType, String topology, Boolean correct, boolean degraded,
                           double latencyMs, boolean simulated) implements Serializable {

    static ScoredAnswer of(AnswerRecord a) {
        return new ScoredAnswer(a.queryId(), a.taskType() == null ? "unknown" : a.taskType().name().toLowerCase(
                Locale.ROOT), a.topology() == null ? "" : a.topology(), a.correct(), a.degraded(), a.latencyMs(),
                a.simulated());
    }

    /** From an answer line as batch mode writes it (the Avro field names). */
    static ScoredAnswer of(JsonNode a) {
        JsonNode correct = a.path("correct");
        return new ScoredAnswer(a.path("query_id").asText(""),
                a.path("task_type").asText("unknown").toLowerCase(Locale.ROOT), a.path("topology").asText(""),
                correct.isBoolean() ? correct.asBoolean() : null, a.path("degraded").asBoolean(),
                a.path("latency_ms").asDouble(), a.path("simulated").asBoolean());
    }

    /** The dataset a query id names: its prefix before the first {@code /} (as dataset loaders name queries). */
    String dataset() {
        int slash = queryId.indexOf('/');
        return slash > 0 ? queryId.substring(0, slash) : null;
    }
}
