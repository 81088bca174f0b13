package dev.moaflink.engine;

import dev.moaflink.schema.TaskType;
import java.util.List;
import java.util.Objects;

/**
 * What a prompt is about, as structured data. Real engines ignore it; the simulated engine uses it to
 * decide what a model with a given accuracy would answer (it needs the gold answer to be right or wrong).
 *
 * @param queryId  the query the session serves
 * @param taskType how answers are extracted
 * @param choices  answer options (labelled A, B, ...), empty if none
 * @param gold     the known correct answer, or null
 */
public record PromptContext(String queryId, TaskType taskType, List<String> choices, String gold) {

    public PromptContext {
        Objects.requireNonNull(queryId, "queryId");
        Objects.requireNonNull(taskType, "taskType");
        choices = List.copyOf(Objects.requireNonNull(choices, "choices"));
    }

    public static PromptContext freeText(String queryId) {
        return new PromptContext(queryId, TaskType.FREE_TEXT, List.of(), null);
    }
}
