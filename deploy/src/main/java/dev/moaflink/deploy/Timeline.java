package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Turns an answers file (JSON lines, as batch mode writes them) into one self-contained HTML page (SVG, a tooltip
 * per node; {@link TimelinePage}) or, when the output file ends in {@code .png}, one PNG image
 * ({@link TimelineImage}), with a Gantt chart per query ({@link TimelineChart}).
 *
 * <pre>deploy/timeline.sh answers.jsonl [--out page.html | chart.png] [--queries 50] [--ids q1,q2]</pre>
 */
public final class Timeline {

    private Timeline() {}

    static final String USAGE = """
            usage: deploy/timeline.sh ANSWERS.jsonl [--out page.html|chart.png] [--queries N] [--ids a,b]

            Draws a Gantt chart per query from an answers file (JSON lines, as batch mode writes them): a row per agent
            node with its queue, prefill (overlapped / exposed) and decode phases; cancelled, failed, skipped and
            bypassed nodes marked.
              --out FILE     an HTML page (SVG, figures in tooltips), or a PNG image for a name ending in .png
                             (default ANSWERS.jsonl.timeline.html)
              --queries N    at most N queries (default 50)
              --ids a,b      only these query ids
              --help         this text
            """;

    public static void main(String[] args) throws IOException {
        if (Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        if (args.length < 1 || args[0].startsWith("--")) {
            System.err.print(USAGE);
            System.exit(2);
        }
        Path input = Path.of(args[0]);
        Path out = Path.of(args[0] + ".timeline.html");
        int limit = 50;
        Set<String> ids = null;
        for (int i = 1; i < args.length; i++) {
            String key = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(key + " needs a value");
            }
            String value = args[++i];
            switch (key) {
                case "--out" -> out = Path.of(value);
                case "--queries" -> limit = Integer.parseInt(value);
                case "--ids" -> ids = new LinkedHashSet<>(List.of(value.split(",")));
                default -> throw new IllegalArgumentException("unknown option " + key
                        + " (known: --out, --queries, --ids)");
            }
        }
        List<JsonNode> answers = TimelineAnswers.read(input, limit, ids);
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("no answers to draw in " + input
                    + (ids == null ? "" : " with ids " + ids));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            if (System.getProperty("java.awt.headless") == null) {
                System.setProperty("java.awt.headless", "true");
            }
            ImageIO.write(TimelineImage.png(input.getFileName().toString(), answers), "png", out.toFile());
        } else {
            Files.writeString(out, TimelinePage.html(input.getFileName().toString(), answers), StandardCharsets.UTF_8);
        }
        System.out.println("timeline of " + answers.size() + " queries written to " + out);
    }
}
