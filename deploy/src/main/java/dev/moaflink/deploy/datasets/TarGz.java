package dev.moaflink.deploy.datasets;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads regular files out of a gzip-compressed tar archive (ustar/GNU headers; the MMLU archive), without a
 * dependency: 512-byte headers, the size in octal, data padded to 512 bytes.
 */
final class TarGz {

    private static final int BLOCK = 512;

    private TarGz() {}

    /** The regular files whose name {@code wanted} accepts, name → UTF-8 content, in archive order. */
    static Map<String, String> read(Path archive, Predicate<String> wanted) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(archive);
             DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw), 1 << 16))) {
            byte[] header = new byte[BLOCK];
            String longName = null;
            while (true) {
                try {
                    in.readFully(header);
                } catch (EOFException e) {
                    break; // archives may end without the two zero blocks
                }
                if (isZero(header)) {
                    break;
                }
                String name = longName != null ? longName : name(header);
                longName = null;
                long size = octal(header, 124, 12, archive);
                char type = (char) header[156];
                if (size > Integer.MAX_VALUE - 8) {
                    throw new IOException(archive + ": entry " + name + " too large (" + size + " bytes)");
                }
                byte[] data = new byte[(int) size];
                in.readFully(data);
                in.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
                if (type == 'L') { // GNU long name: the next entry's name
                    longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                } else if ((type == '0' || type == 0) && wanted.test(name)) {
                    files.put(name, new String(data, StandardCharsets.UTF_8));
                }
            }
        }
        return files;
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        String prefix = cString(h, 345, 155);
        boolean ustar = cString(h, 257, 6).startsWith("ustar");
        return ustar && !prefix.isEmpty() ? prefix + "/" + name : name;
    }

    private static String cString(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] h, int off, int len, Path archive) throws IOException {
        String s = cString(h, off, len).strip();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException(archive + ": not a tar archive (bad size field '" + s + "')", e);
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
