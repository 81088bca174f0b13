package dev.moaflink.engine.sim;

import dev.moaflink.engine.CandidateAnswers;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.RequestRefusedException;
import dev.moaflink.schema.TaskType;
import java.math.BigDecimal;

/** The answers a query admits, and how a simulated model writes a wrong or an uninformed one. */
sealed interface AnswerSpace {

    /** The space of {@code context}'s task. */
    static AnswerSpace of(PromptContext context) {
        return switch (context.taskType()) {
            case MULTIPLE_CHOICE -> Labels.of(context);
            case NUMERIC -> new Numbers();
            case FREE_TEXT -> new Phrases();
        };
    }

    /** The canonical gold answer, or null when there is none or it is not an answer of this space. */
    String gold(String raw);

    /** An answer other than {@code gold} (gold itself only when the space has no other). */
    String wrong(String gold, long bits);

    /** An answer for a query without gold. */
    String any(long bits);

    /** Choice labels A, B, ... of a multiple-choice query. */
    record Labels(int count) implements AnswerSpace {

        static Labels of(PromptContext context) {
            int n = context.choices().size();
            if (n == 0 || n > CandidateAnswers.MAX_CHOICES) {
                throw new RequestRefusedException("multiple-choice query '" + context.queryId() + "' has " + n
                        + " choices; the simulated engine answers with labels A.." + CandidateAnswers.label(
                        CandidateAnswers.MAX_CHOICES - 1) + ", so it needs 1 to " + CandidateAnswers.MAX_CHOICES);
            }
            return new Labels(n);
        }

        @Override
        public String gold(String raw) {
            return CandidateAnswers.canonical(TaskType.MULTIPLE_CHOICE, count, raw);
        }

        @Override
        public String wrong(String gold, long bits) {
            if (count == 1) {
                return gold;
            }
            int goldIndex = gold.charAt(0) - 'A';
            int index = Seeds.below(bits, count - 1);
            return CandidateAnswers.label(index >= goldIndex ? index + 1 : index);
        }

        @Override
        public String any(long bits) {
            return CandidateAnswers.label(Seeds.below(bits, count));
        }
    }

    /** Numbers: wrong answers are near misses of the gold answer, like arithmetic slips. */
    record Numbers() implements AnswerSpace {

        private static final long MIN_SPAN = 5;
        private static final long MAX_SPAN = 1_000_000_000L;
        private static final int UNINFORMED_RANGE = 1000;

        @Override
        public String gold(String raw) {
            return CandidateAnswers.canonical(TaskType.NUMERIC, 0, raw);
        }

        @Override
        public String wrong(String gold, long bits) {
            if (CandidateAnswers.isPlainInteger(gold)) {
                long g = Long.parseLong(gold); // at most 18 digits: the offset below cannot overflow
                long span = Math.max(MIN_SPAN, Math.min(MAX_SPAN, Math.abs(g) / 2));
                long offset = 1 + (bits >>> 1) % span;
                return Long.toString((bits & 1) == 0 ? g + offset : g - offset);
            }
            return wrongDecimal(gold, bits);
        }

        /** {@link #wrong} for any number (the integer path above gives the same strings, faster). */
        static String wrongDecimal(String gold, long bits) {
            BigDecimal g = new BigDecimal(gold);
            // Offsets scale with the answer (about up to half of it) so that misses stay plausible.
            long span = Math.max(MIN_SPAN, Math.min(MAX_SPAN, g.abs().longValue() / 2));
            long offset = 1 + (bits >>> 1) % span;
            BigDecimal missed = (bits & 1) == 0 ? g.add(BigDecimal.valueOf(offset)) : g.subtract(BigDecimal.valueOf(offset));
            return missed.stripTrailingZeros().toPlainString();
        }

        @Override
        public String any(long bits) {
            return Integer.toString(Seeds.below(bits, UNINFORMED_RANGE));
        }
    }

    /** Free text: wrong answers are short seeded phrases. */
    record Phrases() implements AnswerSpace {

        private static final String[] ADJECTIVES = {"red", "quiet", "early", "northern", "small", "ancient",
            "bright", "hollow", "rapid", "frozen", "golden", "distant", "silent", "broken", "gentle", "hidden"};
        private static final String[] NOUNS = {"river", "lantern", "harbor", "meadow", "engine", "village",
            "mirror", "falcon", "orchard", "tower", "canyon", "compass", "garden", "island", "bridge", "signal"};

        @Override
        public String gold(String raw) {
            return CandidateAnswers.canonical(TaskType.FREE_TEXT, 0, raw);
        }

        @Override
        public String wrong(String gold, long bits) {
            String phrase = any(bits);
            while (phrase.equals(gold)) {
                bits = Seeds.mix(bits);
                phrase = any(bits);
            }
            return phrase;
        }

        @Override
        public String any(long bits) {
            return ADJECTIVES[Seeds.below(bits, ADJECTIVES.length)] + " "
                    + NOUNS[Seeds.below(Seeds.mix(bits), NOUNS.length)];
        }
    }
}
