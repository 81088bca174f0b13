package dev.moaflink.job.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.job.model.RejectKind;
import dev.moaflink.schema.TaskType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses one JSON-lines query: {@code {"id", "text", "choices": [...], "task_type": "multiple_choice",
 * "gold", "topology", "submitted_at"}} (the Avro Query's fields; only id and text are required).
 */
public final class JsonQueries {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonQueries() {}

    public static QueryValidator.Outcome parse(String line, QueryValidator validator, long nowMs) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (Exception e) {
            return new QueryValidator.Outcome(null, RejectKind.MALFORMED_JSON, "not valid JSON: "
                    + getOriginalMessageOrSelf(e), null);
        }
        if (node == null || !node.isObject()) {
            return new QueryValidator.Outcome(null, RejectKind.MALFORMED_JSON, "a query must be a JSON object", null);
        }
        String id = text(node, "id");
        TaskType type;
        String rawType = text(node, "task_type");
        try {
            type = rawType == null ? TaskType.FREE_TEXT : TaskType.valueOf(rawType.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return new QueryValidator.Outcome(null, RejectKind.UNKNOWN_TASK_TYPE, "unknown task_type '" + rawType
                    + "'; expected multiple_choice, numeric or free_text", id);
        }
        List<String> choices = new ArrayList<>();
        JsonNode c = node.get("choices");
        if (c != null && !c.isNull()) {
            if (!c.isArray()) {
                return new QueryValidator.Outcome(null, RejectKind.BAD_CHOICES, "choices must be an array", id);
            }
            c.forEach(x -> choices.add(x.isNull() ? null : x.asText()));
        }
        JsonNode submitted = node.get("submitted_at");
        long submittedAt = submitted != null && submitted.canConvertToLong() ? submitted.asLong() : nowMs;
        return validator.validate(id, text(node, "text"), choices, type, text(node, "gold"), text(node, "topology"),
                text(node, "profile"), submittedAt);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Jackson's message without the source excerpt. */
    private static String getOriginalMessageOrSelf(Exception e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }
}
