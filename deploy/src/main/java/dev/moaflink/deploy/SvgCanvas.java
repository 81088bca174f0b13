package dev.moaflink.deploy;

import java.util.Locale;

/** A timeline as SVG elements appended to a page, each node a group with its tooltip. */
final class SvgCanvas implements TimelineCanvas {

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

    /** Text escaped for HTML and SVG. */
    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
