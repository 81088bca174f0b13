package dev.moaflink.deploy;

import static dev.moaflink.deploy.SvgCanvas.esc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;

/** Timelines as one self-contained HTML page: the legend, then per query its title, its facts and an SVG chart. */
final class TimelinePage {

    private TimelinePage() {}

    static String html(String title, List<JsonNode> answers) {
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
        for (String[] entry : TimelineChart.LEGEND) {
            b.append("<span><i class=\"sw\" style=\"background:").append(entry[0]).append("\"></i>")
                    .append(esc(entry[1])).append("</span>");
        }
        for (String note : TimelineChart.LEGEND_NOTES) {
            b.append("<span>").append(esc(note)).append("</span>");
        }
        b.append("</div>");
        for (JsonNode a : answers) {
            query(b, a);
        }
        if (TimelineChart.simulated(answers)) {
            b.append("<p><b>Simulated engine</b>: ").append(TimelineChart.SIMULATED).append("</p>");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void query(StringBuilder b, JsonNode a) {
        b.append("<h2>").append(esc(a.get("query_id").asText())).append("</h2><div class=\"meta\">")
                .append(esc(TimelineChart.meta(a))).append("</div>");
        b.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">",
                TimelineChart.width(), TimelineChart.height(a)));
        TimelineChart.draw(new SvgCanvas(b), a, 0);
        b.append("</svg>");
    }
}
