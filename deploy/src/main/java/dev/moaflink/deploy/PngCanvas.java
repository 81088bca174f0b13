package dev.moaflink.deploy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;

/** A timeline drawn with Java 2D on an image; tooltips have no place on it. */
final class PngCanvas implements TimelineCanvas {

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
