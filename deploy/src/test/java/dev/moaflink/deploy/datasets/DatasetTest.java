package dev.moaflink.deploy.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.prompt.AnswerExtractor;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each loader on a committed fixture in the benchmark's own format (with the quirks the README warns about: ARC's
 * numeric labels and 3/5 choices, GSM8K's "####" with thousands separators, MMLU's quoted multi-line CSV in a tar.gz),
 * then, where the shared datasets folder exists, every dataset in full against the README's item counts.
 */
@Timeout(60)
public class DatasetTest {

    public static Path fixture() throws URISyntaxException {
        return Path.of(DatasetTest.class.getResource("/datasets-fixture").toURI());
    }

    @Test
    void arcMapsNumericLabelsToLettersAndKeepsChoiceCounts() throws Exception {
        List<Query> q = Dataset.ARC_EASY.load(fixture(), null);
        assertEquals(2, q.size());
        assertEquals("arc-easy/Q1", q.get(0).getId());
        assertEquals(TaskType.MULTIPLE_CHOICE, q.get(0).getTaskType());
        assertEquals(List.of("oxygen", "carbon dioxide", "helium", "neon"), q.get(0).getChoices());
        assertEquals("B", q.get(0).getGold());
        assertEquals(List.of("4", "6", "8"), q.get(1).getChoices());
        assertEquals("B", q.get(1).getGold(), "label '2' is the second choice");
        Query five = Dataset.ARC_CHALLENGE.load(fixture(), "test").get(0);
        assertEquals(5, five.getChoices().size());
        assertEquals("E", five.getGold());
    }

    @Test
    void gsm8kGoldIsTheCanonicalNumberAfterTheMarker() throws Exception {
        List<Query> q = Dataset.GSM8K.load(fixture(), null);
        assertEquals(List.of("gsm8k/test-1", "gsm8k/test-2"), q.stream().map(Query::getId).toList());
        assertEquals("7", q.get(0).getGold());
        assertEquals("1235", q.get(1).getGold());
        assertEquals(TaskType.NUMERIC, q.get(1).getTaskType());
        assertTrue(AnswerExtractor.score(AnswerExtractor.extract("... so the answer is 1,235.", TaskType.NUMERIC,
                new String[0]), q.get(1).getGold(), TaskType.NUMERIC, new String[0]));
    }

    @Test
    void mmluReadsQuotedMultiLineCsvOutOfTheArchivePerSplit() throws Exception {
        List<Query> val = Dataset.MMLU.load(fixture(), "val");
        assertEquals(3, val.size());
        Query quoted = val.stream().filter(x -> x.getId().equals("mmlu/anatomy/val-2")).findFirst().orElseThrow();
        assertEquals("A \"quoted\" question, with a comma", quoted.getText());
        assertEquals(List.of("line one\nline two", "b", "c", "d"), quoted.getChoices());
        assertEquals("A", quoted.getGold());
        assertEquals("B", val.stream().filter(x -> x.getId().equals("mmlu/anatomy/val-1")).findFirst().orElseThrow()
                .getGold());
        assertEquals(List.of("mmlu/anatomy/test-1"), Dataset.MMLU.load(fixture(), "test").stream().map(Query::getId)
                .toList());
        assertEquals("A", Dataset.MMLU.load(fixture(), "dev").get(0).getGold());
    }

    @Test
    void yesNoQuestionsAreTwoChoices() throws Exception {
        List<Query> boolq = Dataset.BOOLQ.load(fixture(), null);
        assertEquals(List.of("yes", "no"), boolq.get(0).getChoices());
        assertEquals("A", boolq.get(0).getGold());
        assertEquals("B", boolq.get(1).getGold());
        assertTrue(boolq.get(0).getText().startsWith("Passage: The sky appears blue"));
        assertTrue(boolq.get(0).getText().endsWith("Question: Is the sky blue?"), boolq.get(0).getText());
        assertTrue(boolq.get(1).getText().endsWith("Question: Do fish fly?"));
        List<Query> sqa = Dataset.STRATEGYQA.load(fixture(), null);
        assertEquals(List.of("A", "B"), sqa.stream().map(Query::getGold).toList());
        String[] yesNo = {"yes", "no"};
        assertEquals("B", AnswerExtractor.extract("Answer: No", TaskType.MULTIPLE_CHOICE, yesNo));
        assertEquals("A", AnswerExtractor.extract("Answer: yes.", TaskType.MULTIPLE_CHOICE, yesNo));
    }

    @Test
    void wordProblemsHaveCanonicalNumericGold() throws Exception {
        List<Query> svamp = Dataset.SVAMP.load(fixture(), null);
        assertEquals(List.of("51", "2.5"), svamp.stream().map(Query::getGold).toList());
        assertEquals("svamp/chal-1", svamp.get(0).getId());
        assertEquals("Each pack costs 76 dollars. There is a discount of 25 dollars How much do you pay?",
                svamp.get(0).getText());
        Query multi = Dataset.MULTIARITH.load(fixture(), null).get(0);
        assertEquals("multiarith/7", multi.getId());
        assertEquals("7", multi.getGold());
        assertEquals("Sam had 3 cards and got 4 more. How many does he have?", multi.getText());
        Query csqa = Dataset.COMMONSENSEQA.load(fixture(), null).get(0);
        assertEquals(5, csqa.getChoices().size());
        assertEquals("C", csqa.getGold());
        assertEquals("Where do people shop?", csqa.getText());
    }

    @Test
    void badInputsGetClearErrors(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.named("imagenet"));
        assertTrue(e.getMessage().contains("arc-easy"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.GSM8K.load(dir, null));
        assertTrue(e.getMessage().contains("gsm8k/test.jsonl") && e.getMessage().contains(Datasets.ENV), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.ARC_EASY.load(fixture(), "train"));
        assertTrue(e.getMessage().contains("[validation, test]"), e.getMessage());
        Files.createDirectories(dir.resolve("arc"));
        Files.writeString(dir.resolve("arc/ARC-Easy-validation.jsonl"),
                "{\"id\":\"X\",\"question\":\"q\",\"choices\":{\"text\":[\"a\",\"b\"],\"label\":[\"A\",\"B\"]},"
                        + "\"answerKey\":\"C\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.ARC_EASY.load(dir, null));
        assertTrue(e.getMessage().contains("item X") && e.getMessage().contains("'C'"), e.getMessage());
        Files.writeString(dir.resolve("arc/ARC-Easy-validation.jsonl"), "{not json\n");
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.ARC_EASY.load(dir, null));
        assertTrue(e.getMessage().contains(":1 is not valid JSON"), e.getMessage());
        Files.createDirectories(dir.resolve("gsm8k"));
        Files.writeString(dir.resolve("gsm8k/test.jsonl"), "{\"question\":\"q\",\"answer\":\"no marker\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.GSM8K.load(dir, null));
        assertTrue(e.getMessage().contains("no numeric gold"), e.getMessage());
    }

    @Test
    void samplingIsSeededBoundedAndKeepsFileOrder() throws Exception {
        List<Integer> items = java.util.stream.IntStream.range(0, 100).boxed().toList();
        List<Integer> a = Datasets.sample(items, 10, 7);
        assertEquals(10, a.size());
        assertEquals(a, Datasets.sample(items, 10, 7));
        assertEquals(a.stream().sorted().toList(), a);
        assertTrue(!a.equals(Datasets.sample(items, 10, 8)));
        assertEquals(items, Datasets.sample(items, 0, 7));
        List<Query> q = Datasets.load(fixture(), "gsm8k,arc-easy", null, 1, 1);
        assertEquals(2, q.size());
        assertTrue(q.get(0).getId().startsWith("gsm8k/") && q.get(1).getId().startsWith("arc-easy/"));
    }

    /** Every dataset of the shared folder in full: the README's item counts; every item loads with gold. */
    @Test
    void sharedDatasetsLoadInFull() throws Exception {
        Path root = Datasets.root(null);
        if (!Files.isDirectory(root) && System.getenv(Datasets.ENV) == null) {
            root = Path.of("..").resolve(Datasets.DEFAULT_DIR); // Surefire runs in the module's folder
        }
        Assumptions.assumeTrue(Files.isDirectory(root.resolve("gsm8k")), "no shared datasets folder at " + root);
        Map<String, Integer> expected = Map.ofEntries(
                Map.entry("arc-easy:validation", 570), Map.entry("arc-easy:test", 2376),
                Map.entry("arc-challenge:validation", 299), Map.entry("arc-challenge:test", 1172),
                Map.entry("gsm8k:test", 1319), Map.entry("mmlu:test", 14042), Map.entry("mmlu:val", 1531),
                Map.entry("mmlu:dev", 285), Map.entry("boolq:validation", 3270), Map.entry("svamp:all", 1000),
                Map.entry("multiarith:all", 600), Map.entry("commonsenseqa:dev", 1221),
                Map.entry("strategyqa:all", 2290));
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            String[] ds = e.getKey().split(":");
            List<Query> q = Dataset.named(ds[0]).load(root, ds[1]);
            assertEquals(e.getValue(), q.size(), e.getKey());
            assertEquals(q.size(), q.stream().map(Query::getId).distinct().count(), e.getKey() + " ids are unique");
            for (Query x : q) {
                assertTrue(x.getGold() != null && !x.getText().isBlank(), x.getId());
            }
        }
    }

    @Test
    void csvQuotesOnlyAtFieldStart() {
        assertEquals(List.of(List.of("Truth?\"", "x"), List.of("a,b", "c \"q\" d", "")),
                Csv.parse("Truth?\",x\n\"a,b\",\"c \"\"q\"\" d\",\n"));
        assertThrows(IllegalArgumentException.class, () -> Csv.parse("\"open,x\n"));
    }
}
