package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.deploy.datasets.DatasetTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The score CLI end to end on the fixture datasets: batch mode per variant on a MiniCluster, reports read back. */
class ScoreCliTest {

    /** The simulated engine in virtual time, so the runs take seconds. */
    private static List<String> simVirtualTime() {
        List<String> flags = new ArrayList<>(List.of("--preset", "sim"));
        for (String m : List.of("expert-small", "expert-medium", "expert-large", "aggregator")) {
            flags.addAll(List.of("--models." + m + ".options.time", "virtual"));
        }
        return flags;
    }

    @Test
    @Timeout(180)
    void scoresEveryDatasetPerVariantAndAgreesWithTheAnswersFiles(@TempDir Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of("--dataset", "arc-easy,gsm8k,svamp,boolq", "--limit", "0",
                "--variants", "tree,bypass-067", "--datasets-dir", DatasetTest.fixture().toString(),
                "--out", out.toString(), "--timeline-queries", "3"));
        args.addAll(simVirtualTime());
        assertEquals(0, ScoreCli.run(ScoreCli.Options.parse(args.toArray(String[]::new))));

        JsonNode score = ScoreCli.JSON.readTree(out.resolve("score.json").toFile());
        assertEquals(8, score.path("queries").asInt());
        assertTrue(score.path("simulated").asBoolean(), "a simulated run says so");
        assertEquals(2, score.path("variants").size());
        String md = Files.readString(out.resolve("score.md"));
        assertTrue(md.contains("**Simulated engine**"), md);
        for (JsonNode v : score.path("variants")) {
            String slug = v.path("slug").asText();
            assertEquals(8, v.path("answers").asInt(), slug);
            assertEquals(0, v.path("dead_letters").asInt(), slug);
            assertTrue(v.path("error").isNull(), slug);
            assertTrue(Files.exists(out.resolve(slug + "/timeline.html")), slug);
            // per-dataset accuracy recomputed from the answers file
            Map<String, int[]> byDataset = new HashMap<>();
            for (String line : new BatchOutput(out.resolve(slug).toString()).answerLines()) {
                JsonNode a = ScoreCli.JSON.readTree(line);
                String d = a.path("query_id").asText().split("/")[0];
                int[] c = byDataset.computeIfAbsent(d, k -> new int[2]);
                c[0] += a.path("correct").asBoolean() ? 1 : 0;
                c[1]++;
            }
            assertEquals(Map.of("arc-easy", 2, "gsm8k", 2, "svamp", 2, "boolq", 2),
                    Map.of("arc-easy", byDataset.get("arc-easy")[1], "gsm8k", byDataset.get("gsm8k")[1],
                            "svamp", byDataset.get("svamp")[1], "boolq", byDataset.get("boolq")[1]));
            JsonNode groups = v.path("report").path("byDataset");
            byDataset.forEach((d, c) -> {
                assertEquals(c[0], groups.path(d).path("correct").asInt(), slug + " " + d);
                assertEquals(c[1], groups.path(d).path("withGold").asInt(), slug + " " + d);
                assertTrue(md.contains(String.format("(%d/%d)", c[0], c[1])), md);
            });
        }
    }

    @Test
    @Timeout(30)
    void badArgumentsFailBeforeAnyRun(@TempDir Path out) throws Exception {
        String fixture = DatasetTest.fixture().toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScoreCli.Options.parse(new String[] {"--limit", "3"}));
        assertTrue(e.getMessage().contains("--dataset is required") && e.getMessage().contains("gsm8k"));
        e = assertThrows(IllegalArgumentException.class, () -> ScoreCli.run(ScoreCli.Options.parse(new String[] {
                "--dataset", "gsm8k", "--variants", "star", "--datasets-dir", fixture, "--out", out.toString()})));
        assertTrue(e.getMessage().contains("unknown variant 'star'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ScoreCli.run(ScoreCli.Options.parse(new String[] {
                "--dataset", "gsm8k", "--datasets-dir", out.resolve("nowhere").toString(), "--out", out.toString()})));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        assertTrue(!Files.exists(out.resolve("score.json")));
    }
}
