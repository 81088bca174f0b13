package dev.moaflink.job.prompt;

import dev.moaflink.job.model.QueryTask;
import dev.moaflink.schema.TaskType;

/**
 * Prompt texts. Proposers get the question; aggregators get Together MoA's aggregate-and-synthesize
 * system prompt with numbered responses. Aggregator prompts are built as a prefix, one part per response
 * (slot), and a closing instruction, so engines can prefill the prefix before the responses exist.
 */
public final class Prompts {

    /** From Mixture-of-Agents (Wang et al., arXiv 2406.04692), Table 1. */
    public static final String AGGREGATE_AND_SYNTHESIZE =
            "You have been provided with a set of responses from various open-source models to the latest user "
                    + "query. Your task is to synthesize these responses into a single, high-quality response. It "
                    + "is crucial to critically evaluate the information provided in these responses, recognizing "
                    + "that some of it may be biased or incorrect. Your response should not simply replicate the "
                    + "given answers but should offer a refined, accurate, and comprehensive reply to the "
                    + "instruction. Ensure your response is well-structured, coherent, and adheres to the highest "
                    + "standards of accuracy and reliability.\n\nResponses from models:";

    private Prompts() {}

    /** The question with its choices and the required answer format. */
    public static String question(QueryTask q) {
        StringBuilder sb = new StringBuilder(q.text().length() + 128);
        sb.append("Question: ").append(q.text()).append('\n');
        String[] choices = q.choices() == null ? new String[0] : q.choices();
        for (int i = 0; i < choices.length; i++) {
            sb.append(AnswerExtractor.label(i)).append(") ").append(choices[i]).append('\n');
        }
        sb.append(answerFormat(q.taskType()));
        return sb.toString();
    }

    public static String proposer(QueryTask q) {
        return "Answer the question. Think step by step, briefly.\n" + question(q);
    }

    /** Prefix of an aggregator prompt: the system instruction; responses follow as parts. */
    public static String aggregatorPrefix() {
        return AGGREGATE_AND_SYNTHESIZE + "\n";
    }

    /** The {@code n}th (1-based) numbered response slot. */
    public static String responseSlot(int n, String response) {
        return n + ". " + response.strip() + "\n";
    }

    /** Closes an aggregator prompt: the user query the responses answered. */
    public static String aggregatorSuffix(QueryTask q) {
        return "\nUser query:\n" + question(q);
    }

    private static String answerFormat(TaskType type) {
        return switch (type) {
            case MULTIPLE_CHOICE -> "End with a line 'Answer: <letter>'.\n";
            case NUMERIC -> "End with a line 'Answer: <number>'.\n";
            case FREE_TEXT -> "End with a line 'Answer: <short answer>'.\n";
        };
    }
}
