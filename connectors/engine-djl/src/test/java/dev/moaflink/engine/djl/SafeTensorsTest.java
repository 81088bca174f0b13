package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    /** Writes a file with tensors "a" (F32 [2,2]), "h" (F16 [3]) and "b" (BF16 [2]). */
    private Path sample() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 26).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        buf.putFloat(1f).putFloat(-2.5f).putFloat(0f).putFloat(3.25f);
        buf.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x3555); // 1, -2, ~0.3333
        buf.putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.75f) >>> 16));
        Path f = dir.resolve("model.safetensors");
        Files.write(f, buf.array());
        return f;
    }

    @Test
    void readsF32F16AndBf16AsFloat32() throws Exception {
        Path f = sample();
        try (FileChannel ch = SafeTensors.open(f)) {
            Map<String, SafeTensors.Entry> h = SafeTensors.header(ch, f);
            assertEquals(3, h.size());
            assertArrayEquals(new long[] {2, 2}, h.get("a").shape());
            assertArrayEquals(new float[] {1f, -2.5f, 0f, 3.25f}, SafeTensors.read(ch, h.get("a"), f));
            float[] half = SafeTensors.read(ch, h.get("h"), f);
            assertEquals(1f, half[0]);
            assertEquals(-2f, half[1]);
            assertEquals(1f / 3, half[2], 1e-3);
            assertArrayEquals(new float[] {1.5f, -0.75f}, SafeTensors.read(ch, h.get("b"), f));
        }
    }

    @Test
    void halfPrecisionEdgeCases() {
        assertEquals(0f, SafeTensors.halfToFloat((short) 0));
        assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat((short) 0x7c00));
        assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7bff));
        assertEquals(5.9604645e-8f, SafeTensors.halfToFloat((short) 0x0001), 1e-12);
        assertEquals(-0.5f, SafeTensors.halfToFloat((short) 0xb800));
    }

    @Test
    void aBadOrTruncatedFileIsAnError() throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 1});
        try (FileChannel ch = SafeTensors.open(bad)) {
            assertThrows(IOException.class, () -> SafeTensors.header(ch, bad));
        }
        byte[] good = Files.readAllBytes(sample());
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length - 4));
        try (FileChannel ch = SafeTensors.open(cut)) {
            assertThrows(IOException.class, () -> SafeTensors.header(ch, cut));
        }
    }
}
