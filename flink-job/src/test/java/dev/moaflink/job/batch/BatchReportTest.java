package dev.moaflink.job.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchReportTest {

    @TempDir
    Path dir;

    @Test
    void summarisesThisRunAndTheEarlierOneAndReadsBackWhatItWrote() throws Exception {
        List<ScoredAnswer> thisRun = List.of(
                new ScoredAnswer("gsm8k/1", "numeric", "tree", true, false, 100, false),
                new ScoredAnswer("gsm8k/2", "numeric", "tree", false, true, 300, false),
                new ScoredAnswer("free-1", "free_text", "dense", null, false, 200, false));
        List<ScoredAnswer> before = List.of(new ScoredAnswer("arc/1", "multiple_choice", "tree", true, false, 50,
                false));
        BatchReport r = BatchReport.of(thisRun, before, 1, 2);
        assertEquals(4, r.overall().answers());
        assertEquals(3, r.overall().withGold());
        assertEquals(2.0 / 3, r.overall().accuracy(), 1e-9);
        assertEquals(1, r.overall().degraded());
        assertEquals(List.of("arc", "gsm8k"), List.copyOf(r.byDataset().keySet()), "ids without a slash have none");
        assertNull(r.byTopology().get("dense").accuracy(), "no gold, no accuracy");
        assertEquals(3, r.answeredThisRun());
        assertEquals(1, r.answeredBefore());

        BatchOutput out = new BatchOutput(dir.toString());
        r.write(out);
        assertEquals(r, BatchReport.read(dir.toString()));
        String md = Files.readString(dir.resolve(BatchOutput.SUMMARY_MD));
        assertTrue(md.contains("4 answers (3 by this run, 1 by an earlier one); 1 input queries skipped"), md);
    }

    @Test
    void onlyCommittedPartFilesAreRead() throws Exception {
        Path answers = Files.createDirectories(dir.resolve(BatchOutput.ANSWERS));
        Files.writeString(answers.resolve("answers-a-0-0.jsonl"), "{\"query_id\":\"q1\"}\n");
        Files.writeString(answers.resolve(".answers-a-0-1.jsonl.inprogress.x"), "{\"query_id\":\"q2\"}\n");
        BatchOutput out = new BatchOutput(dir.toString());
        assertEquals(List.of("{\"query_id\":\"q1\"}"), out.answerLines());
        assertEquals(List.of(), out.deadLetterLines(), "no directory, no lines");
        out.delete();
        assertTrue(!Files.exists(dir));
    }
}
