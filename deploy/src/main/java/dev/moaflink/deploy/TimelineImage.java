package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Timelines as one PNG image: the legend, then each query's title, facts and chart, one under the other. */
final class TimelineImage {

    private TimelineImage() {}

    static BufferedImage png(String title, List<JsonNode> answers) {
        int width = TimelineChart.width();
        int height = 60;
        for (JsonNode a : answers) {
            height += 36 + TimelineChart.height(a);
        }
        boolean simulated = TimelineChart.simulated(answers);
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
            legend(c, width);
            int top = 60;
            for (JsonNode a : answers) {
                c.heading(2, top + 16, a.get("query_id").asText());
                c.text(2, top + 31, TimelineChart.meta(a), "#555", "start");
                TimelineChart.draw(c, a, top + 36);
                top += 36 + TimelineChart.height(a);
            }
            if (simulated) {
                c.text(2, top + 16, "Simulated engine: " + TimelineChart.SIMULATED, "#222", "start");
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The legend's swatches and notes, wrapped to the image's width. */
    private static void legend(PngCanvas c, int width) {
        double x = 4;
        int y = 35;
        for (String[] entry : TimelineChart.LEGEND) {
            if (x + 18 + c.width(entry[1]) > width - 4) {
                x = 4;
                y += 16;
            }
            c.rect(x, y - 9, 14, 10, entry[0]);
            c.text(x + 18, y, entry[1], "#222", "start");
            x += 18 + c.width(entry[1]) + 12;
        }
        for (String note : TimelineChart.LEGEND_NOTES) {
            if (x + c.width(note) > width - 4) {
                x = 4;
                y += 16;
            }
            c.text(x, y, note, "#222", "start");
            x += c.width(note) + 12;
        }
    }
}
