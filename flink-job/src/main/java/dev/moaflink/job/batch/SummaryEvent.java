package dev.moaflink.job.batch;

import java.io.Serializable;

/**
 * One thing the run's summary counts: an answer, a dead-lettered input line, or a query skipped because the output
 * directory already holds its answer.
 *
 * @param answer set for answers only
 */
public record SummaryEvent(Kind kind, ScoredAnswer answer) implements Serializable {

    public enum Kind { ANSWERED, DEAD_LETTERED, SKIPPED }

    static SummaryEvent answered(ScoredAnswer answer) {
        return new SummaryEvent(Kind.ANSWERED, answer);
    }

    static SummaryEvent deadLettered() {
        return new SummaryEvent(Kind.DEAD_LETTERED, null);
    }

    static SummaryEvent skipped() {
        return new SummaryEvent(Kind.SKIPPED, null);
    }
}
