package dev.moaflink.job.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes records as JSON lines to one local file (batch mode's answers and dead letters). Run it with
 * parallelism 1; the file is truncated when the writer opens, so a re-run replaces the previous output. The
 * buffer is flushed at least every {@value #FLUSH_INTERVAL_MS} ms while records arrive, so that a reader following
 * the file (the {@code score} CLI's progress bar, {@code tail -f}) sees answers as they come, not at the end.
 */
public final class JsonLinesFileSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;
    static final long FLUSH_INTERVAL_MS = 1000;

    /** Serializable record-to-line function. */
    @FunctionalInterface
    public interface LineFormat<T> extends Function {
        String format(T value) throws IOException;
    }

    private final String path;
    private final LineFormat<T> format;

    public JsonLinesFileSink(String path, LineFormat<T> format) {
        this.path = path;
        this.format = format;
    }

    /**
     * Writes each record as one line of the project's JSON ({@link Json}). A named class on purpose: two
     * serializable {@code Json::line} method references of different element types can be mixed up when
     * Java deserializes lambdas (javac's $deserializeLambda$ cannot tell them apart).
     */
    public static <T> JsonLinesFileSink<T> json(String path) {
        return new JsonLinesFileSink<>(path, new JsonLine<>());
    }

    private static final class JsonLine<T> implements LineFormat<T> {
        private static final long serialVersionUID = 1L;

        @Override
        public String format(T value) throws IOException {
            return Json.line(value);
        }
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        if (context.getTaskInfo().getNumberOfParallelSubtasks() != 1) {
            throw new IllegalStateException("JsonLinesFileSink must run with parallelism 1");
        }
        Path p = Path.of(path);
        if (p.toAbsolutePath().getParent() != null) {
            Files.createDirectories(p.toAbsolutePath().getParent());
        }
        BufferedWriter out = Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        return new SinkWriter<>() {
            private long lastFlush = System.nanoTime();

            @Override
            public void write(T element, Context ctx) throws IOException {
                out.write(format.format(element));
                out.write('\n');
                long now = System.nanoTime();
                if (now - lastFlush >= FLUSH_INTERVAL_MS * 1_000_000L) {
                    out.flush();
                    lastFlush = now;
                }
            }

            @Override
            public void flush(boolean endOfInput) throws IOException {
                out.flush();
                lastFlush = System.nanoTime();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
