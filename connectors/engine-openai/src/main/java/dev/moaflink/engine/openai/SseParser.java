package dev.moaflink.engine.openai;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An incremental parser of a Server-Sent Events stream (the WHATWG {@code text/event-stream} format): bytes in, as
 * they arrive, events out. Lines end with CRLF, LF or CR (also when the pair is split between two reads); lines
 * starting with {@code :} are comments (keep-alives); {@code data} lines of one event are joined with newlines; a
 * blank line dispatches the event; a leading byte-order mark is dropped; UTF-8 characters split between reads are
 * decoded whole. {@code id} and {@code retry} are ignored: a broken generation stream is a failed request, never
 * resumed. One deliberate deviation: at the end of the stream an event that no blank line closed is still
 * dispatched, since servers that end with {@code data: [DONE]} and no blank line exist.
 */
final class SseParser {

    /** One event: its type ({@code message} when none was named) and its data. */
    record Event(String type, String data) {}

    private final Consumer<Event> sink;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes of a character not complete yet (at most 3). */
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private String type = "";
    private boolean atStart = true;
    /** The last character was a CR: a LF right after it ends no second line. */
    private boolean afterCr;

    SseParser(Consumer<Event> sink) {
        this.sink = sink;
    }

    /** Parses the next bytes of the stream; the buffer is consumed. */
    void feed(ByteBuffer bytes) {
        ByteBuffer in = bytes;
        if (pending.hasRemaining()) {
            in = ByteBuffer.allocate(pending.remaining() + bytes.remaining()).put(pending).put(bytes).flip();
        }
        CharBuffer out = CharBuffer.allocate((int) Math.ceil(in.remaining() * (double) decoder.maxCharsPerByte()) + 1);
        decoder.decode(in, out, false);
        pending = ByteBuffer.allocate(in.remaining()).put(in).flip();
        feed(out.flip());
    }

    /** Parses the next characters of the stream. */
    void feed(CharSequence chars) {
        for (int i = 0; i < chars.length(); i++) {
            char c = chars.charAt(i);
            if (atStart) {
                atStart = false;
                if (c == '\uFEFF') {
                    continue;
                }
            }
            if (afterCr) {
                afterCr = false;
                if (c == '\n') {
                    continue;
                }
            }
            if (c == '\r') {
                afterCr = true;
                endLine();
            } else if (c == '\n') {
                endLine();
            } else {
                line.append(c);
            }
        }
    }

    /** The stream ended: decodes what is left and dispatches an event still open. */
    void end() {
        CharBuffer out = CharBuffer.allocate(8);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        feed(out.flip());
        if (line.length() > 0) {
            endLine();
        }
        dispatch();
    }

    private void endLine() {
        if (line.length() == 0) {
            dispatch();
            return;
        }
        if (line.charAt(0) != ':') {
            int colon = line.indexOf(":");
            String field = colon < 0 ? line.toString() : line.substring(0, colon);
            String value = "";
            if (colon >= 0) {
                int from = colon + 1 < line.length() && line.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1;
                value = line.substring(from);
            }
            switch (field) {
                case "data" -> data.append(value).append('\n');
                case "event" -> type = value;
                default -> { } // id, retry and unknown fields
            }
        }
        line.setLength(0);
    }

    private void dispatch() {
        if (data.length() == 0) {
            type = "";
            return;
        }
        Event e = new Event(type.isEmpty() ? "message" : type, data.substring(0, data.length() - 1));
        data.setLength(0);
        type = "";
        sink.accept(e);
    }
}
