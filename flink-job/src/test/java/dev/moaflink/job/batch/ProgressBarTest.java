package dev.moaflink.job.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void drawsInTenthsWithoutAConsole() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), "run", 20, false);
        for (int i = 0; i <= 20; i++) {
            bar.update(i);
        }
        bar.finish(20);
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(11, lines.length, String.join("\n", lines));
        assertTrue(lines[10].contains("[##############################] 20/20 (100%)"), lines[10]);
        assertTrue(lines[5].contains("10/20 ( 50%)") && lines[5].contains("eta"), lines[5]);
    }

    @Test
    void anUnknownTotalShowsACountAndARate() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), "run", -1, false);
        for (int i = 0; i <= 250; i++) {
            bar.update(i);
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length, "one line per hundred: " + String.join("\n", lines));
        assertTrue(lines[2].startsWith("run 200 done, ") && lines[2].contains("/s"), lines[2]);
    }
}
