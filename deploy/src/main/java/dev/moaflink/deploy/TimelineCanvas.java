package dev.moaflink.deploy;

/** What a timeline is drawn on: SVG elements ({@link SvgCanvas}) or Java 2D on an image ({@link PngCanvas}). */
interface TimelineCanvas {

    void rect(double x, double y, double w, double h, String fill);

    void frame(double x, double y, double w, double h, String stroke, double width, boolean dashed);

    void line(double x1, double y1, double x2, double y2, String stroke, double width);

    /** Text starting, centred on or ending at {@code x} ({@code anchor} start, middle or end, as in SVG). */
    void text(double x, double y, String text, String fill, String anchor);

    /** Starts a node's elements, with its tooltip. */
    void begin(String tooltip);

    void end();
}
