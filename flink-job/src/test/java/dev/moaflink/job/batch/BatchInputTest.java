package dev.moaflink.job.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchInputTest {

    @TempDir
    Path dir;

    @Test
    void aFileADirectoryOrAGlobInTheLastElement() throws Exception {
        Files.writeString(dir.resolve("a.jsonl"), "{}\n{}\n\n");
        Files.writeString(dir.resolve("b.jsonl"), "{}");
        Files.writeString(dir.resolve("notes.txt"), "x\n");
        Files.writeString(dir.resolve(".hidden.jsonl"), "{}\n");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/c.jsonl"), "{}\n");

        assertEquals(List.of("a.jsonl"), names(dir.resolve("a.jsonl").toString()));
        assertEquals(List.of("a.jsonl", "b.jsonl", "notes.txt", "c.jsonl"), names(dir.toString()),
                "a directory: every visible file, recursively");
        assertEquals(List.of("a.jsonl", "b.jsonl"), names(dir + "/*.jsonl"), "a glob: matching names in its directory");
        assertEquals(3, BatchRun.inputLines(dir + "/*.jsonl"), "non-blank lines, the last without a newline too");
        assertThrows(IllegalArgumentException.class, () -> BatchInput.source(dir + "/*/x.jsonl"));
    }

    private static List<String> names(String input) throws Exception {
        return BatchInput.files(input).stream().map(FileStatus::getPath).map(p -> p.getName()).toList();
    }
}
