package dev.moaflink.engine.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code .safetensors} files: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. F32, F16 and BF16 tensors are widened to
 * float32 one tensor at a time (the whole file is never held twice).
 */
public final class SafeTensors {

    /** One tensor's description in a file. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** The tensors a file holds, in header order. */
    public static Map<String, Entry> header(FileChannel ch, Path file) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0, file);
        long n = len.flip().getLong();
        if (n <= 0 || n > MAX_HEADER || n + 8 > ch.size()) {
            throw new IOException(file + " is not a safetensors file (header length " + n + ")");
        }
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(ch, json, 8, file);
        JsonNode root = new ObjectMapper().readTree(new String(json.array(), StandardCharsets.UTF_8));
        Map<String, Entry> out = new LinkedHashMap<>();
        long dataStart = 8 + n;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            long begin = dataStart + t.get("data_offsets").get(0).asLong();
            long end = dataStart + t.get("data_offsets").get(1).asLong();
            Entry entry = new Entry(e.getKey(), t.get("dtype").asText(), shape, begin, end);
            long expected = entry.elements() * bytesPer(entry.dtype(), e.getKey(), file);
            if (end - begin != expected || end > ch.size() || begin < dataStart) {
                throw new IOException(file + ": tensor " + e.getKey() + " has a bad byte range");
            }
            out.put(e.getKey(), entry);
        }
        return out;
    }

    /** Reads one tensor as float32. */
    public static float[] read(FileChannel ch, Entry e, Path file) throws IOException {
        long bytes = e.end() - e.begin();
        if (bytes > Integer.MAX_VALUE) {
            throw new IOException(file + ": tensor " + e.name() + " is larger than 2 GB; split checkpoints are needed");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, e.begin(), file);
        buf.flip();
        int n = (int) e.elements();
        float[] out = new float[n];
        switch (e.dtype()) {
            case "F32" -> buf.asFloatBuffer().get(out);
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(buf.getShort());
                }
            }
            default -> throw new IOException(file + ": tensor " + e.name() + " has unsupported dtype " + e.dtype());
        }
        return out;
    }

    public static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /** IEEE 754 binary16 to float (JDK 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: normalise
            float v = mant / 1024f * (float) Math.pow(2, -14);
            return sign == 0 ? v : -v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    static FloatBuffer wrap(float[] data) {
        return FloatBuffer.wrap(data);
    }

    private static long bytesPer(String dtype, String name, Path file) throws IOException {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new IOException(file + ": tensor " + name + " has unsupported dtype " + dtype
                    + " (F32, F16 and BF16 are supported)");
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException(file + " is truncated");
            }
            pos += r;
        }
    }
}
