package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * One query's Gantt chart, laid out and drawn on any {@link TimelineCanvas}: a row per agent node, its phases drawn
 * back from its end (queue, prefill overlapped with upstream decoding, prefill exposed after the last input,
 * decode), cancelled, skipped, bypassed and failed nodes marked, and the answer's latency as a line. Also the legend
 * and the facts under a query's title that the HTML page and the PNG image share.
 */
final class TimelineChart {

    static final int LABEL_W = 190;
    static final int PLOT_W = 760;
    static final String[][] LEGEND = {
        {"#bbbbbb", "queue"}, {"#a6c8ec", "prefill overlapped with upstream"},
        {"#2f6fb3", "prefill exposed (after the last input)"}, {"#3a9a4a", "decode"}, {"#d9534f", "failed"},
    };
    static final String[] LEGEND_NOTES = {"red outline: cancelled", "dashed: skipped / bypassed",
        "| answer latency"};
    static final String SIMULATED = "some agents ran on the simulated engine.";
    private static final int ROW_H = 16;
    private static final int TOP = 22;

    private TimelineChart() {}

    /** Width in pixels of every chart. */
    static int width() {
        return LABEL_W + PLOT_W + 10;
    }

    /** Height in pixels of a query's chart (without its title). */
    static int height(JsonNode a) {
        return TOP + a.get("trace").size() * ROW_H + 4;
    }

    /** Whether some answer came from the simulated engine (the page and the image then say so). */
    static boolean simulated(Iterable<JsonNode> answers) {
        boolean simulated = false;
        for (JsonNode a : answers) {
            simulated |= a.path("simulated").asBoolean();
        }
        return simulated;
    }

    /** The line under a query's title: topology, latency, answer and flags. */
    static String meta(JsonNode a) {
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

    /** One query's chart, its top at {@code top}: the axis, a row per node, the answer's latency as a line. */
    static void draw(TimelineCanvas c, JsonNode a, int top) {
        JsonNode trace = a.get("trace");
        double latency = a.path("latency_ms").asDouble();
        double max = latency;
        for (JsonNode t : trace) {
            max = Math.max(max, t.path("end_offset_ms").asDouble());
        }
        double scale = PLOT_W / Math.max(1e-9, max * 1.02);
        int height = top + height(a);
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

    private static void node(TimelineCanvas c, JsonNode t, int y, double scale) {
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
    private static double bar(TimelineCanvas c, double endMs, double ms, String color, int y, double scale) {
        if (ms <= 0) {
            return endMs;
        }
        double start = endMs - ms;
        c.rect(LABEL_W + start * scale, y + 2, Math.max(0.5, ms * scale), ROW_H - 4, color);
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

    /** A round axis step (1, 2 or 5 times a power of ten) at least {@code raw}. */
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
}
