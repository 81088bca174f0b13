package dev.moaflink.engine.djl;

/**
 * Streams text token by token without decoding the whole output each time: decodes a short window that starts a
 * few tokens back (so word-boundary spaces and multi-byte characters come out right) and emits what the newest
 * tokens added. A window ending in an incomplete UTF-8 character (U+FFFD) waits for the next token.
 */
final class Detokenizer {

    private int prefixOffset;
    private int readOffset;

    /** The text the tokens up to {@code count} add to what was emitted before. */
    String next(TextCodec codec, int[] ids, int count) {
        String prefix = decode(codec, ids, prefixOffset, readOffset);
        String full = decode(codec, ids, prefixOffset, count);
        if (full.length() > prefix.length() && !full.endsWith("\uFFFD") && full.startsWith(prefix)) {
            String delta = full.substring(prefix.length());
            prefixOffset = readOffset;
            readOffset = count;
            return delta;
        }
        return "";
    }

    private static String decode(TextCodec codec, int[] ids, int from, int to) {
        if (to <= from) {
            return "";
        }
        int[] window = java.util.Arrays.copyOfRange(ids, from, to);
        return codec.decode(window, window.length);
    }
}
