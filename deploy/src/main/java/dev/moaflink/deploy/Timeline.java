package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * Turns an answers file (JSON lines, as batch mode writes them) into one self-contained HTML page with a Gantt
 * chart per query: a row per agent node, its phases drawn back from its end (queue, prefill overlapped with
 * upstream decoding, prefill exposed after the last input, decode), cancelled, skipped, bypassed and failed
 * nodes marked, and the answer's latency as a line.
 *
 * <pre>deploy/timeline.sh answers.jsonl [--out page.html] [--queries 50] [--ids q1,q2]</pre>
 */
public final class Timeline {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LABEL_W = 190;
    private static final int PLOT_W = 760;
    private static final int ROW_H = 16;
    private static final int TOP = 22;

    private Timeline() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args[0].startsWith("--")) {
            System.err.println("usage: deploy/timeline.sh ANSWERS.jsonl [--out page.html] [--queries N] [--ids a,b]");
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
        Files.writeString(out, page(input.getFileName().toString(), answers), StandardCharsets.UTF_8);
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
        b.append("<div class=\"legend\">")
                .append(swatch("#bbbbbb", "queue")).append(swatch("#a6c8ec", "prefill overlapped with upstream"))
                .append(swatch("#2f6fb3", "prefill exposed (after the last input)")).append(swatch("#3a9a4a", "decode"))
                .append(swatch("#d9534f", "failed")).append("<span>red outline: cancelled</span>")
                .append("<span>dashed: skipped / bypassed</span><span>| answer latency</span></div>");
        boolean simulated = false;
        for (JsonNode a : answers) {
            simulated |= a.path("simulated").asBoolean();
            query(b, a);
        }
        if (simulated) {
            b.append("<p><b>Simulated engine</b>: some agents ran on the simulated engine.</p>");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static String swatch(String color, String label) {
        return "<span><i class=\"sw\" style=\"background:" + color + "\"></i>" + esc(label) + "</span>";
    }

    private static void query(StringBuilder b, JsonNode a) {
        JsonNode trace = a.get("trace");
        double latency = a.path("latency_ms").asDouble();
        double max = latency;
        for (JsonNode t : trace) {
            max = Math.max(max, t.path("end_offset_ms").asDouble());
        }
        double scale = PLOT_W / Math.max(1e-9, max * 1.02);
        b.append("<h2>").append(esc(a.get("query_id").asText())).append("</h2><div class=\"meta\">")
                .append(esc(a.path("topology").asText())).append(" · latency ").append(ms(latency))
                .append(" · answer ").append(esc(a.path("extracted_answer").asText("none")));
        if (a.hasNonNull("correct")) {
            b.append(a.get("correct").asBoolean() ? " (correct)" : " (wrong)");
        }
        if (a.path("aggregator_bypassed").asBoolean()) {
            b.append(" · aggregator bypassed");
        }
        if (a.path("degraded").asBoolean()) {
            b.append(" · <b>degraded</b>");
        }
        if (a.path("simulated").asBoolean()) {
            b.append(" · simulated engine");
        }
        b.append("</div>");
        int height = TOP + trace.size() * ROW_H + 4;
        b.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">",
                LABEL_W + PLOT_W + 10, height));
        axis(b, max, scale, height);
        int row = 0;
        for (JsonNode t : trace) {
            node(b, t, TOP + row * ROW_H, scale);
            row++;
        }
        double x = LABEL_W + latency * scale;
        b.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" stroke-width=\"1.5\"/>",
                x, TOP - 4, x, height - 2));
        b.append("</svg>");
    }

    private static void axis(StringBuilder b, double max, double scale, int height) {
        double step = niceStep(max / 8);
        for (double v = 0; v <= max * 1.02; v += step) {
            double x = LABEL_W + v * scale;
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                            + "<text x=\"%.1f\" y=\"12\" text-anchor=\"middle\" fill=\"#666\">%s</text>",
                    x, TOP - 4, x, height - 2, x, esc(ms(v))));
        }
    }

    private static void node(StringBuilder b, JsonNode t, int y, double scale) {
        String status = t.path("status").asText();
        boolean bypassed = t.path("bypassed").asBoolean();
        b.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"%d\">%s %s</text>", y + 11,
                esc(t.path("node_id").asText()), esc(t.path("model").asText())));
        double end = t.path("end_offset_ms").asDouble();
        double decode = t.path("decode_ms").asDouble();
        double prefill = t.path("prefill_ms").asDouble();
        double exposed = Math.min(prefill, t.path("prefill_exposed_ms").asDouble());
        double queue = t.path("queue_ms").asDouble();
        String tip = tooltip(t);
        if (status.equals("SKIPPED")) {
            double x = LABEL_W + t.path("start_offset_ms").asDouble() * scale;
            String label = bypassed ? String.format(Locale.ROOT, "bypassed: %s (vote %.2f)",
                    t.path("extracted_answer").asText(), t.path("vote_share").asDouble()) : "skipped";
            b.append(String.format(Locale.ROOT, "<g><title>%s</title><rect x=\"%.1f\" y=\"%d\" width=\"60\" "
                            + "height=\"%d\" fill=\"none\" stroke=\"#888\" stroke-dasharray=\"3,2\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text></g>",
                    esc(tip), x, y + 2, ROW_H - 4, x + 64, y + 11, esc(label)));
            return;
        }
        b.append("<g><title>").append(esc(tip)).append("</title>");
        double x1 = end;
        x1 = bar(b, x1, decode, status.equals("FAILED") ? "#d9534f" : "#3a9a4a", y, scale);
        x1 = bar(b, x1, exposed, "#2f6fb3", y, scale);
        x1 = bar(b, x1, prefill - exposed, "#a6c8ec", y, scale);
        x1 = bar(b, x1, queue, "#bbbbbb", y, scale);
        if (status.equals("CANCELLED") || status.equals("FAILED")) {
            double x0 = LABEL_W + Math.min(x1, t.path("start_offset_ms").asDouble()) * scale;
            double w = Math.max(2, LABEL_W + end * scale - x0);
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#c9302c\" stroke-width=\"1.5\"/>", x0, y + 2, w, ROW_H - 4));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#c9302c\">%s</text>",
                    LABEL_W + end * scale + 4, y + 11, status.toLowerCase(Locale.ROOT)));
        }
        b.append("</g>");
    }

    /** Draws a phase of {@code ms} ending at {@code endMs}; returns where it starts. */
    private static double bar(StringBuilder b, double endMs, double ms, String color, int y, double scale) {
        if (ms <= 0) {
            return endMs;
        }
        double start = endMs - ms;
        b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>",
                LABEL_W + start * scale, y + 2, Math.max(0.5, ms * scale), ROW_H - 4, color));
        return start;
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
