package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Turns an answers file (JSON lines, as batch mode writes them) into one self-contained HTML page (SVG, a tooltip
 * per node) or, when the output file ends in {@code .png}, one PNG image, with a Gantt chart per query: a row per
 * agent node, its phases drawn back from its end (queue, prefill overlapped with upstream decoding, prefill exposed
 * after the last input, decode), cancelled, skipped, bypassed and failed nodes marked, and the answer's latency as a
 * line.
 *
 * <pre>deploy/timeline.sh answers.jsonl [--out page.html | chart.png] [--queries 50] [--ids q1,q2]</pre>
 */
public final class Timeline {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LABEL_W = 190;
    private static final int PLOT_W = 760;
    private static final int ROW_H = 16;
    private static final int TOP = 22;
    private static final String[][] LEGEND = {
        {"#bbbbbb", "queue"}, {"#a6c8ec", "prefill overlapped with upstream"},
        {"#2f6fb3", "prefill exposed (after the last input)"}, {"#3a9a4a", "decode"}, {"#d9534f", "failed"},
    };
    private static final String[] LEGEND_NOTES = {"red outline: cancelled", "dashed: skipped / bypassed",
        "| answer latency"};
    private static final String SIMULATED = "some agents ran on the simulated engine.";

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
        if (java.util.Arrays.asList(args).contains("--help")) {
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
        List<JsonNode> answers = read(input, limit, ids);
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
            ImageIO.write(png(input.getFileName().toString(), answers), "png", out.toFile());
        } else {
            Files.writeString(out, page(input.getFileName().toString(), answers), StandardCharsets.UTF_8);
        }
        System.out.println("timeline of " + answers.size() + " queries written to " + out);
    }

    /** The first {@code limit} answers of the file, or those whose id is in {@code ids}. */
    static List<JsonNode> read(Path input, int limit, Set<String> ids) throws IOException {
        List<JsonNode> answers = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null && answers.size() < limit) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode a;
                try {
                    a = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(input + " line " + n + " is not JSON: " + e.getMessage());
                }
                if (!a.has("query_id") || !a.path("trace").isArray()) {
                    throw new IllegalArgumentException(input + " line " + n + " is not an answer with a trace");
                }
                if (ids == null || ids.contains(a.get("query_id").asText())) {
                    answers.add(a);
                }
            }
        }
        return answers;
    }

    static String page(String title, List<JsonNode> answers) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Timeline: ").append(esc(title))
                .append("</title><style>")
                .append("body{font:13px sans-serif;margin:16px;color:#222}h2{font-size:14px;margin:18px 0 2px}")
                .append(".meta{color:#555;margin-bottom:2px}svg text{font:11px sans-serif}")
                .append(".legend span{display:inline-block;margin-right:14px}")
                .append(".sw{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}")
                .append("</style></head><body>");
        b.append("<h1 style=\"font-size:16px\">Per-query timeline: ").append(esc(title)).append("</h1>");
        b.append("<div class=\"legend\">");
        for (String[] entry : LEGEND) {
            b.append(swatch(entry[0], entry[1]));
        }
        for (String note : LEGEND_NOTES) {
            b.append("<span>").append(esc(note)).append("</span>");
        }
        b.append("</div>");
        boolean simulated = false;
        for (JsonNode a : answers) {
            simulated |= a.path("simulated").asBoolean();
            query(b, a);
        }
        if (simulated) {
            b.append("<p><b>Simulated engine</b>: ").append(SIMULATED).append("</p>");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static String swatch(String color, String label) {
        return "<span><i class=\"sw\" style=\"background:" + color + "\"></i>" + esc(label) + "</span>";
    }

    private static void query(StringBuilder b, JsonNode a) {
        b.append("<h2>").append(esc(a.get("query_id").asText())).append("</h2><div class=\"meta\">")
                .append(esc(meta(a))).append("</div>");
        int height = chartHeight(a);
        b.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">",
                LABEL_W + PLOT_W + 10, height));
        chart(new SvgCanvas(b), a, 0);
        b.append("</svg>");
    }

    /** The line under a query's title: topology, latency, answer and flags. */
    private static String meta(JsonNode a) {
        StringBuilder m = new StringBuilder();
        m.append(a.path("topology").asText()).append(" · latency ").append(ms(a.path("latency_ms").asDouble()))
                .append(" · answer ").append(a.path("extracted_answer").asText("none"));
        if (a.hasNonNull("correct")) {
            m.append(a.get("correct").asBoolean() ? " (correct)" : " (wrong)");
        }
        if (a.path("aggregator_bypassed").asBoolean()) {
            m.append(" · aggregator bypassed");
        }
        if (a.path("degraded").asBoolean()) {
            m.append(" · degraded");
        }
        if (a.path("simulated").asBoolean()) {
            m.append(" · simulated engine");
        }
        return m.toString();
    }

    /** Height in pixels of a query's chart (without its title). */
    private static int chartHeight(JsonNode a) {
        return TOP + a.get("trace").size() * ROW_H + 4;
    }

    /** One query's chart, its top at {@code top}: the axis, a row per node, the answer's latency as a line. */
    private static void chart(Canvas c, JsonNode a, int top) {
        JsonNode trace = a.get("trace");
        double latency = a.path("latency_ms").asDouble();
        double max = latency;
        for (JsonNode t : trace) {
            max = Math.max(max, t.path("end_offset_ms").asDouble());
        }
        double scale = PLOT_W / Math.max(1e-9, max * 1.02);
        int height = top + chartHeight(a);
        double step = niceStep(max / 8);
        for (double v = 0; v <= max * 1.02; v += step) {
            double x = LABEL_W + v * scale;
            c.line(x, top + TOP - 4, x, height - 2, "#eee", 1);
            c.text(x, top + 12, ms(v), "#666", "middle");
        }
        int row = 0;
        for (JsonNode t : trace) {
            node(c, t, top + TOP + row * ROW_H, scale);
            row++;
        }
        double x = LABEL_W + latency * scale;
        c.line(x, top + TOP - 4, x, height - 2, "#000", 1.5);
    }

    private static void node(Canvas c, JsonNode t, int y, double scale) {
        String status = t.path("status").asText();
        boolean bypassed = t.path("bypassed").asBoolean();
        c.text(2, y + 11, t.path("node_id").asText() + " " + t.path("model").asText(), null, "start");
        double end = t.path("end_offset_ms").asDouble();
        double decode = t.path("decode_ms").asDouble();
        double prefill = t.path("prefill_ms").asDouble();
        double exposed = Math.min(prefill, t.path("prefill_exposed_ms").asDouble());
        double queue = t.path("queue_ms").asDouble();
        c.begin(tooltip(t));
        if (status.equals("SKIPPED")) {
            double x = LABEL_W + t.path("start_offset_ms").asDouble() * scale;
            String label = bypassed ? String.format(Locale.ROOT, "bypassed: %s (vote %.2f)",
                    t.path("extracted_answer").asText(), t.path("vote_share").asDouble()) : "skipped";
            boolean room = x < LABEL_W + PLOT_W * 0.6; // else the label goes left of the mark, inside the chart
            c.frame(room ? x : x - 60, y + 2, 60, ROW_H - 4, "#888", 1, true);
            c.text(room ? x + 64 : x - 64, y + 11, label, "#555", room ? "start" : "end");
            c.end();
            return;
        }
        double x1 = end;
        x1 = bar(c, x1, decode, status.equals("FAILED") ? "#d9534f" : "#3a9a4a", y, scale);
        x1 = bar(c, x1, exposed, "#2f6fb3", y, scale);
        x1 = bar(c, x1, prefill - exposed, "#a6c8ec", y, scale);
        x1 = bar(c, x1, queue, "#bbbbbb", y, scale);
        if (status.equals("CANCELLED") || status.equals("FAILED")) {
            double x0 = LABEL_W + Math.min(x1, t.path("start_offset_ms").asDouble()) * scale;
            double w = Math.max(2, LABEL_W + end * scale - x0);
            c.frame(x0, y + 2, w, ROW_H - 4, "#c9302c", 1.5, false);
            boolean room = end * scale < PLOT_W * 0.9;
            c.text(room ? LABEL_W + end * scale + 4 : x0 - 4, y + 11, status.toLowerCase(Locale.ROOT), "#c9302c",
                    room ? "start" : "end");
        }
        c.end();
    }

    /** Draws a phase of {@code ms} ending at {@code endMs}; returns where it starts. */
    private static double bar(Canvas c, double endMs, double ms, String color, int y, double scale) {
        if (ms <= 0) {
            return endMs;
        }
        double start = endMs - ms;
        c.rect(LABEL_W + start * scale, y + 2, Math.max(0.5, ms * scale), ROW_H - 4, color);
        return start;
    }

    /** One PNG: the legend, then each query's title, its line of facts and its chart, one under the other. */
    static BufferedImage png(String title, List<JsonNode> answers) {
        int width = LABEL_W + PLOT_W + 10;
        int height = 60;
        boolean simulated = false;
        for (JsonNode a : answers) {
            height += 36 + chartHeight(a);
            simulated |= a.path("simulated").asBoolean();
        }
        height += simulated ? 24 : 4;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            PngCanvas c = new PngCanvas(g);
            c.heading(4, 16, "Per-query timeline: " + title);
            double x = 4;
            int y = 35;
            for (String[] entry : LEGEND) {
                if (x + 18 + c.width(entry[1]) > width - 4) {
                    x = 4;
                    y += 16;
                }
                c.rect(x, y - 9, 14, 10, entry[0]);
                c.text(x + 18, y, entry[1], "#222", "start");
                x += 18 + c.width(entry[1]) + 12;
            }
            for (String note : LEGEND_NOTES) {
                if (x + c.width(note) > width - 4) {
                    x = 4;
                    y += 16;
                }
                c.text(x, y, note, "#222", "start");
                x += c.width(note) + 12;
            }
            int top = 60;
            for (JsonNode a : answers) {
                c.heading(2, top + 16, a.get("query_id").asText());
                c.text(2, top + 31, meta(a), "#555", "start");
                chart(c, a, top + 36);
                top += 36 + chartHeight(a);
            }
            if (simulated) {
                c.text(2, top + 16, "Simulated engine: " + SIMULATED, "#222", "start");
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** What a chart is drawn on: SVG elements, or Java 2D on an image. */
    private interface Canvas {
        void rect(double x, double y, double w, double h, String fill);

        void frame(double x, double y, double w, double h, String stroke, double width, boolean dashed);

        void line(double x1, double y1, double x2, double y2, String stroke, double width);

        /** Text starting, centred on or ending at {@code x} ({@code anchor} start, middle or end, as in SVG). */
        void text(double x, double y, String text, String fill, String anchor);

        /** Starts a node's elements, with its tooltip. */
        void begin(String tooltip);

        void end();
    }

    private static final class SvgCanvas implements Canvas {

        private final StringBuilder b;

        SvgCanvas(StringBuilder b) {
            this.b = b;
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"/>",
                    x, y, w, h, fill));
        }

        @Override
        public void frame(double x, double y, double w, double h, String stroke, double width, boolean dashed) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"none\" "
                    + "stroke=\"%s\" stroke-width=\"%s\"%s/>", x, y, w, h, stroke, width,
                    dashed ? " stroke-dasharray=\"3,2\"" : ""));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String stroke, double width) {
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"%s\" "
                    + "stroke-width=\"%s\"/>", x1, y1, x2, y2, stroke, width));
        }

        @Override
        public void text(double x, double y, String text, String fill, String anchor) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.0f\"%s%s>%s</text>", x, y,
                    anchor.equals("start") ? "" : " text-anchor=\"" + anchor + "\"",
                    fill == null ? "" : " fill=\"" + fill + "\"", esc(text)));
        }

        @Override
        public void begin(String tooltip) {
            b.append("<g><title>").append(esc(tooltip)).append("</title>");
        }

        @Override
        public void end() {
            b.append("</g>");
        }
    }

    private static final class PngCanvas implements Canvas {

        private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 13);
        private final Graphics2D g;

        PngCanvas(Graphics2D g) {
            this.g = g;
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill) {
            g.setColor(color(fill));
            g.fill(new Rectangle2D.Double(x, y, w, h));
        }

        @Override
        public void frame(double x, double y, double w, double h, String stroke, double width, boolean dashed) {
            g.setColor(color(stroke));
            g.setStroke(dashed ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
                    new float[] {3, 2}, 0) : new BasicStroke((float) width));
            g.draw(new Rectangle2D.Double(x, y, w, h));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String stroke, double width) {
            g.setColor(color(stroke));
            g.setStroke(new BasicStroke((float) width));
            g.draw(new Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void text(double x, double y, String text, String fill, String anchor) {
            g.setFont(FONT);
            g.setColor(color(fill == null ? "#222" : fill));
            double w = width(text);
            double left = anchor.equals("middle") ? x - w / 2 : anchor.equals("end") ? x - w : x;
            g.drawString(text, (float) left, (float) y);
        }

        double width(String text) {
            g.setFont(FONT);
            return g.getFontMetrics().stringWidth(text);
        }

        void heading(double x, double y, String text) {
            g.setFont(HEADING);
            g.setColor(color("#222"));
            g.drawString(text, (float) x, (float) y);
        }

        @Override
        public void begin(String tooltip) {
        }

        @Override
        public void end() {
        }

        /** {@code #rgb} or {@code #rrggbb}. */
        static Color color(String hex) {
            String h = hex.substring(1);
            if (h.length() == 3) {
                h = "" + h.charAt(0) + h.charAt(0) + h.charAt(1) + h.charAt(1) + h.charAt(2) + h.charAt(2);
            }
            return new Color(Integer.parseInt(h, 16));
        }
    }

    private static String tooltip(JsonNode t) {
        StringBuilder s = new StringBuilder();
        s.append(t.path("node_id").asText()).append(' ').append(t.path("model").asText()).append(" · ")
                .append(t.path("status").asText());
        if (t.path("bypassed").asBoolean()) {
            s.append(" (bypassed)");
        }
        s.append(String.format(Locale.ROOT, "%nstart %s end %s · queue %s · prefill %s (exposed %s) · decode %s"
                        + " · first token %s%nprompt %d tokens · output %d tokens · confidence %.3f · answer %s",
                ms(t.path("start_offset_ms").asDouble()), ms(t.path("end_offset_ms").asDouble()),
                ms(t.path("queue_ms").asDouble()), ms(t.path("prefill_ms").asDouble()),
                ms(t.path("prefill_exposed_ms").asDouble()), ms(t.path("decode_ms").asDouble()),
                ms(t.path("first_token_ms").asDouble()), t.path("prompt_tokens").asInt(),
                t.path("output_tokens").asInt(), t.path("confidence").asDouble(),
                t.path("extracted_answer").asText("none")));
        if (t.hasNonNull("error")) {
            s.append("\n").append(t.get("error").asText());
        }
        return s.toString();
    }

    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    }

    private static String ms(double v) {
        return v >= 10_000 ? String.format(Locale.ROOT, "%.1f s", v / 1000)
                : String.format(Locale.ROOT, "%.0f ms", v);
    }

    private static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
