package dev.moaflink.job.prompt;

import dev.moaflink.job.model.QueryTask;
import dev.moaflink.schema.TaskType;

/**
 * Prompt texts. Proposers get the question; aggregators get Together MoA's aggregate-and-synthesize
 * instruction, the user query, then the numbered responses. Aggregator prompts are built as a prefix (all that
 * is known when the query arrives) and one part per response (slot), so engines can prefill the prefix before the
 * responses exist and nothing follows the last response. (Together MoA puts the query after the responses; then
 * the whole question would be left to prefill after the last input.)
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

    private static final String RESPONSES_HEADER = "\n\nResponses from models:";

    /** The instruction without its responses header: the user query goes between the two. */
    private static final String INSTRUCTION =
            AGGREGATE_AND_SYNTHESIZE.substring(0, AGGREGATE_AND_SYNTHESIZE.length() - RESPONSES_HEADER.length());

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

    /**
     * Everything of an aggregator prompt that precedes the responses: the MoA instruction, the user query and the
     * responses header. All of it is known when the query arrives, so an engine prefills it before any input has
     * answered; with overlap, what is left after the last input is that input's last chunk.
     */
    public static String aggregatorPrefix(QueryTask q) {
        return INSTRUCTION + "\n\nUser query:\n" + question(q) + RESPONSES_HEADER.substring(2) + "\n";
    }

    /** The {@code n}th (1-based) numbered response slot; the slots end the prompt. */
    public static String responseSlot(int n, String response) {
        return n + ". " + response.strip() + "\n";
    }

    private static String answerFormat(TaskType type) {
        return switch (type) {
            case MULTIPLE_CHOICE -> "End with a line 'Answer: <letter>'.\n";
            case NUMERIC -> "End with a line 'Answer: <number>'.\n";
            case FREE_TEXT -> "End with a line 'Answer: <short answer>'.\n";
        };
    }
}
