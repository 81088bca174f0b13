package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class TimelineTest {

    @TempDir
    Path dir;

    private static String node(String id, int level, String status, double start, double end, double queue,
                               double prefill, double exposed, double decode, boolean bypassed, String error) {
        return String.format(java.util.Locale.ROOT, "{\"node_id\":\"%s\",\"level\":%d,\"model\":\"m%d\",\"status\":\"%s\","
                        + "\"queue_ms\":%s,\"prefill_ms\":%s,\"prefill_exposed_ms\":%s,\"decode_ms\":%s,"
                        + "\"first_token_ms\":1,\"start_offset_ms\":%s,\"end_offset_ms\":%s,\"prompt_tokens\":10,"
                        + "\"output_tokens\":5,\"confidence\":0.9,\"extracted_answer\":\"B\",\"error\":%s,"
                        + "\"bypassed\":%s,\"vote_share\":%s}",
                id, level, level, status, queue, prefill, exposed, decode, start, end,
                error == null ? "null" : "\"" + error + "\"", bypassed, bypassed ? 1.0 : 0.0);
    }

    private static String answer(String id, double latency, boolean bypassed, String... nodes) {
        return "{\"query_id\":\"" + id + "\",\"topology\":\"tree\",\"latency_ms\":" + latency
                + ",\"extracted_answer\":\"B\",\"correct\":true,\"aggregator_bypassed\":" + bypassed
                + ",\"degraded\":false,\"simulated\":true,\"trace\":[" + String.join(",", nodes) + "]}";
    }

    @Test
    void drawsEveryNodeWithItsPhasesAndMarksSkippedCancelledAndFailedNodes() throws Exception {
        Path answers = dir.resolve("answers.jsonl");
        Files.write(answers, List.of(
                answer("q<1>", 900, false,
                        node("L1.0", 1, "RAN", 0, 400, 10, 50, 50, 340, false, null),
                        node("L1.1", 1, "CANCELLED", 0, 300, 0, 40, 40, 260, false, null),
                        node("L1.2", 1, "FAILED", 0, 200, 0, 30, 30, 0, false, "timed out"),
                        node("L2.0", 2, "RAN", 400, 900, 0, 120, 20, 480, false, null)),
                answer("q2", 400, true,
                        node("L1.0", 1, "RAN", 0, 400, 0, 50, 50, 350, false, null),
                        node("L2.0", 2, "SKIPPED", 400, 400, 0, 0, 0, 0, true, null)),
                ""));
        Path out = dir.resolve("t/page.html");
        Timeline.main(new String[] {answers.toString(), "--out", out.toString()});
        String html = Files.readString(out);

        assertEquals(2, count(html, "<svg "), "one chart per query");
        assertTrue(html.contains("q&lt;1&gt;"), "ids are escaped");
        assertFalse(html.contains("q<1>"));
        assertTrue(html.contains("bypassed: B (vote 1.00)"));
        assertTrue(html.contains(">cancelled</text>"));
        assertTrue(html.contains(">failed</text>"));
        assertTrue(html.contains("timed out"), "the error is in the node's tooltip");
        assertTrue(html.contains("aggregator bypassed"));
        assertTrue(html.contains("Simulated engine"));
        // L2.0 of q<1>: 20 ms exposed prefill and 100 ms overlapped, drawn back from its end at 900 ms.
        assertTrue(html.contains("fill=\"#2f6fb3\""));
        assertTrue(html.contains("fill=\"#a6c8ec\""), "overlapped prefill is drawn");
        double scale = 760 / (900 * 1.02);
        String decodeStart = String.format(java.util.Locale.ROOT, "x=\"%.1f\"", 190 + 420 * scale);
        assertTrue(html.contains(decodeStart), "decode of L2.0 starts at 420 ms");
    }

    @Test
    void anOutputEndingInPngIsAnImageWithTheSameChart() throws Exception {
        Path answers = dir.resolve("answers.jsonl");
        Files.write(answers, List.of(answer("q1", 900, false,
                node("L1.0", 1, "RAN", 0, 400, 10, 50, 50, 340, false, null),
                node("L1.1", 1, "CANCELLED", 0, 300, 0, 40, 40, 260, false, null),
                node("L2.0", 2, "RAN", 400, 900, 0, 120, 20, 480, false, null))));
        Path out = dir.resolve("chart.png");
        Timeline.main(new String[] {answers.toString(), "--out", out.toString()});
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(out.toFile());
        assertTrue(img != null, "a PNG");
        assertEquals(190 + 760 + 10, img.getWidth());
        // L2.0's decode (green) spans 420..900 ms on the row of the third node; sample its middle.
        double scale = 760 / (900 * 1.02);
        int x = (int) Math.round(190 + 660 * scale);
        int y = 60 + 36 + 22 + 2 * 16 + 8;
        assertEquals(0x3a9a4a, img.getRGB(x, y) & 0xffffff, "decode of L2.0 at (" + x + ", " + y + ")");
    }

    @Test
    void selectsQueriesByIdAndRejectsFilesThatAreNotAnswers() throws Exception {
        Path answers = dir.resolve("a.jsonl");
        Files.write(answers, List.of(answer("a", 10, false, node("L1.0", 1, "RAN", 0, 10, 0, 1, 1, 9, false, null)),
                answer("b", 10, false, node("L1.0", 1, "RAN", 0, 10, 0, 1, 1, 9, false, null))));
        assertEquals(1, TimelineAnswers.read(answers, 50, java.util.Set.of("b")).size());
        assertEquals(1, TimelineAnswers.read(answers, 1, null).size());
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"id\": 1}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimelineAnswers.read(bad, 5, null));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void axisStepsAreRound() {
        assertEquals(100, TimelineChart.niceStep(73), 1e-9);
        assertEquals(2000, TimelineChart.niceStep(1234), 1e-9);
        assertEquals(0.5, TimelineChart.niceStep(0.31), 1e-9);
    }

    private static int count(String s, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
