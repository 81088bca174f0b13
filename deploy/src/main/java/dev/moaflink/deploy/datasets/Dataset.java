package dev.moaflink.deploy.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.deploy.JsonLines;
import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The public benchmarks the project reads from a datasets folder ({@code ../shared/datasets} layout: see its
 * README), each turned into the job's queries with gold answers: multiple choice with labels A, B, … (yes/no
 * questions as two choices), or numeric with a canonical gold number. Query ids are {@code dataset/…}, so reports
 * can group answers by dataset. Files are read where they lie, never copied.
 *
 * <p>The first split of each dataset is its tuning split (validation/dev where the benchmark has one); test
 * splits are for reports only.
 */
public enum Dataset {

    ARC_EASY("arc-easy", TaskType.MULTIPLE_CHOICE, "validation", "test"),
    ARC_CHALLENGE("arc-challenge", TaskType.MULTIPLE_CHOICE, "validation", "test"),
    GSM8K("gsm8k", TaskType.NUMERIC, "test"),
    MMLU("mmlu", TaskType.MULTIPLE_CHOICE, "val", "dev", "test"),
    BOOLQ("boolq", TaskType.MULTIPLE_CHOICE, "validation"),
    SVAMP("svamp", TaskType.NUMERIC, "all"),
    MULTIARITH("multiarith", TaskType.NUMERIC, "all"),
    COMMONSENSEQA("commonsenseqa", TaskType.MULTIPLE_CHOICE, "dev"),
    STRATEGYQA("strategyqa", TaskType.MULTIPLE_CHOICE, "all");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> YES_NO = List.of("yes", "no");

    private final String id;
    private final TaskType taskType;
    private final List<String> splits;

    Dataset(String id, TaskType taskType, String... splits) {
        this.id = id;
        this.taskType = taskType;
        this.splits = List.of(splits);
    }

    /** The name used on the command line and as the query id prefix, e.g. {@code arc-easy}. */
    public String id() {
        return id;
    }

    public TaskType taskType() {
        return taskType;
    }

    /** The splits this folder holds; the first is the default (the tuning split where there is one). */
    public List<String> splits() {
        return splits;
    }

    /** The dataset called {@code name} ({@link #id()}, any case). */
    public static Dataset named(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (Dataset d : values()) {
            if (d.id.equals(n)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "'; known: "
                + Arrays.stream(values()).map(Dataset::id).toList());
    }

    /** The file (or archive) holding {@code split}, relative to the datasets folder. */
    String file(String split) {
        return switch (this) {
            case ARC_EASY -> "arc/ARC-Easy-" + split + ".jsonl";
            case ARC_CHALLENGE -> "arc/ARC-Challenge-" + split + ".jsonl";
            case GSM8K -> "gsm8k/test.jsonl";
            case MMLU -> "mmlu/mmlu_orig_test_val_dev.tgz";
            case BOOLQ -> "boolq/boolq_validation.json";
            case SVAMP -> "svamp/SVAMP.json";
            case MULTIARITH -> "zero_shot_cot/MultiArith.json";
            case COMMONSENSEQA -> "zero_shot_cot/commonsenseqa_dev_rand_split.jsonl";
            case STRATEGYQA -> "zero_shot_cot/StrategyQA_task.json";
        };
    }

    /**
     * Every item of {@code split} (null: the default split) as a query, in file order.
     *
     * @throws IllegalArgumentException for an unknown split, a missing file (naming the path and how to set the
     *                                  folder) or an item without a question or a gold answer (naming the item)
     */
    public List<Query> load(Path root, String split) throws IOException {
        String s = split == null ? splits.get(0) : split.strip().toLowerCase(Locale.ROOT);
        if (!splits.contains(s)) {
            throw new IllegalArgumentException(id + " has no split '" + split + "'; known: " + splits);
        }
        Path file = root.resolve(file(s));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(id + ": " + file + " not found (datasets folder " + root
                    + "; set --datasets-dir or MOA_DATASETS_DIR)");
        }
        Items items = new Items(this, s);
        switch (this) {
            case ARC_EASY, ARC_CHALLENGE -> jsonLines(file, (n, j) -> {
                JsonNode c = j.path("choices");
                items.choice(j.path("id").asText("" + n), j.path("question").asText(), strings(c.path("text")),
                        strings(c.path("label")), j.path("answerKey").asText());
            });
            case GSM8K -> jsonLines(file, (n, j) -> {
                String answer = j.path("answer").asText();
                int at = answer.lastIndexOf("####");
                items.numeric(s + "-" + n, j.path("question").asText(),
                        at < 0 ? "" : answer.substring(at + 4).strip());
            });
            case MMLU -> {
                Map<String, String> csvs = TarGz.read(file, name -> name.startsWith(s + "/") && name.endsWith(".csv"));
                if (csvs.isEmpty()) {
                    throw new IllegalArgumentException(id + ": no " + s + "/*.csv in " + file);
                }
                for (Map.Entry<String, String> e : csvs.entrySet()) {
                    String subject = e.getKey().substring(s.length() + 1).replaceAll("_" + s + "\\.csv$", "");
                    int n = 0;
                    List<List<String>> rows;
                    try {
                        rows = Csv.parse(e.getValue());
                    } catch (IllegalArgumentException bad) {
                        throw new IllegalArgumentException(id + ": " + file + " " + e.getKey() + ": "
                                + bad.getMessage(), bad);
                    }
                    for (List<String> row : rows) {
                        n++;
                        if (row.size() < 3) {
                            throw new IllegalArgumentException(id + ": " + e.getKey() + " row " + n + " has "
                                    + row.size() + " columns; expected question, choices…, answer");
                        }
                        List<String> choices = row.subList(1, row.size() - 1);
                        List<String> labels = new ArrayList<>();
                        for (int i = 0; i < choices.size(); i++) {
                            labels.add(AnswerExtractor.label(i));
                        }
                        items.choice(subject + "/" + s + "-" + n, row.get(0), choices, labels, row.get(row.size() - 1));
                    }
                }
            }
            case BOOLQ -> jsonArray(JSON.readTree(file.toFile()), (n, j) -> items.yesNo(s + "-" + n,
                    "Passage: " + j.path("passage").asText().strip() + "\nQuestion: " + question(j.path("question")),
                    j.path("answer").isBoolean() ? j.path("answer").asBoolean() : null));
            case SVAMP -> jsonArray(JSON.readTree(file.toFile()), (n, j) -> items.numeric(j.path("ID").asText("" + n),
                    (j.path("Body").asText().strip() + " " + j.path("Question").asText().strip()).strip(),
                    j.path("Answer").asText()));
            case MULTIARITH -> jsonArray(JSON.readTree(file.toFile()), (n, j) -> items.numeric(
                    j.path("iIndex").asText("" + n), j.path("sQuestion").asText().strip(),
                    j.path("lSolutions").path(0).asText()));
            case COMMONSENSEQA -> jsonLines(file, (n, j) -> {
                JsonNode q = j.path("question");
                List<String> texts = new ArrayList<>();
                List<String> labels = new ArrayList<>();
                q.path("choices").forEach(c -> {
                    texts.add(c.path("text").asText());
                    labels.add(c.path("label").asText());
                });
                items.choice(j.path("id").asText("" + n), q.path("stem").asText(), texts, labels,
                        j.path("answerKey").asText());
            });
            case STRATEGYQA -> jsonArray(JSON.readTree(file.toFile()).path("examples"), (n, j) -> {
                JsonNode scores = j.path("target_scores");
                Boolean yes = scores.has("Yes") ? Boolean.valueOf(scores.path("Yes").asInt() == 1) : null;
                items.yesNo("" + n, j.path("input").asText().strip(), yes);
            });
        }
        if (items.queries.isEmpty()) {
            throw new IllegalArgumentException(id + ": no items in " + file);
        }
        return items.queries;
    }

    private static String question(JsonNode q) {
        String text = q.asText().strip();
        return text.isEmpty() ? "" : Character.toUpperCase(text.charAt(0)) + text.substring(1)
                + (text.endsWith("?") ? "" : "?");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    @FunctionalInterface
    private interface ItemReader {
        void read(int n, JsonNode item);
    }

    private void jsonLines(Path file, ItemReader reader) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonLines.read(r, (n, j) -> {
                reader.read(n, j);
                return true;
            }, (n, e) -> new IllegalArgumentException(id + ": " + file + ":" + n + " is not valid JSON: "
                    + e.getMessage(), e));
        }
    }

    private void jsonArray(JsonNode array, ItemReader reader) {
        if (!array.isArray()) {
            throw new IllegalArgumentException(id + ": expected a JSON array of items");
        }
        int n = 0;
        for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
            reader.read(++n, it.next());
        }
    }

    /** Builds the queries of one split, checking each item. */
    private static final class Items {
        final Dataset dataset;
        final String split;
        final List<Query> queries = new ArrayList<>();

        Items(Dataset dataset, String split) {
            this.dataset = dataset;
            this.split = split;
        }

        /** Multiple choice whose gold is one of {@code labels} (ARC's "1"…"4" too): stored as A, B, … */
        void choice(String itemId, String text, List<String> choices, List<String> labels, String answerKey) {
            int gold = labels.indexOf(answerKey.strip());
            if (choices.size() < 2 || choices.size() != labels.size() || gold < 0) {
                throw bad(itemId, "needs ≥ 2 choices with labels and an answer key among them (choices "
                        + choices.size() + ", labels " + labels + ", answer key '" + answerKey + "')");
            }
            add(itemId, text, choices, TaskType.MULTIPLE_CHOICE, AnswerExtractor.label(gold));
        }

        void yesNo(String itemId, String text, Boolean yes) {
            if (yes == null) {
                throw bad(itemId, "has no yes/no answer");
            }
            add(itemId, text, YES_NO, TaskType.MULTIPLE_CHOICE, yes ? "A" : "B");
        }

        void numeric(String itemId, String text, String gold) {
            String canonical = gold == null || gold.isBlank() ? null : AnswerExtractor.canonicalNumber(gold.strip());
            if (canonical == null) {
                throw bad(itemId, "has no numeric gold answer ('" + gold + "')");
            }
            add(itemId, text, List.of(), TaskType.NUMERIC, canonical);
        }

        private void add(String itemId, String text, List<String> choices, TaskType type, String gold) {
            if (text == null || text.isBlank()) {
                throw bad(itemId, "has no question text");
            }
            queries.add(Query.newBuilder()
                    .setId(dataset.id + "/" + itemId)
                    .setText(text.strip())
                    .setChoices(List.copyOf(choices))
                    .setTaskType(type)
                    .setGold(gold)
                    .setSubmittedAt(Instant.now())
                    .build());
        }

        private IllegalArgumentException bad(String itemId, String what) {
            return new IllegalArgumentException(dataset.id + " (" + split + ") item " + itemId + " " + what);
        }
    }
}
