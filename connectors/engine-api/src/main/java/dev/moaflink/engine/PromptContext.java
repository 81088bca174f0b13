package dev.moaflink.engine;

import dev.moaflink.schema.TaskType;
import java.util.List;
import java.util.Objects;

/**
 * What a prompt is about, as structured data: the query it serves and the form of answer it asks for. The simulated
 * engine derives its answer space from it; the query's right answer is not part of it (only a
 * {@link dev.moaflink.engine.simulation.Simulator} is given that).
 *
 * @param queryId  the query the session serves
 * @param taskType how answers are extracted
 * @param choices  answer options (labelled A, B, ...), empty if none
 */
public record PromptContext(String queryId, TaskType taskType, List<String> choices) {

    public PromptContext {
        Objects.requireNonNull(queryId, "queryId");
        Objects.requireNonNull(taskType, "taskType");
        choices = List.copyOf(Objects.requireNonNull(choices, "choices"));
    }

    public static PromptContext freeText(String queryId) {
        return new PromptContext(queryId, TaskType.FREE_TEXT, List.of());
    }
}
