package dev.moaflink.job.batch;

import dev.moaflink.job.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.Encoder;

/** FileSink's row encoder: each record as one line of the project's JSON (snake_case, the Avro field names). */
public final class JsonLineEncoder<T> implements Encoder<T> {

    private static final long serialVersionUID = 1L;

    @Override
    public void encode(T element, OutputStream stream) throws IOException {
        stream.write(Json.line(element).getBytes(StandardCharsets.UTF_8));
        stream.write('\n');
    }
}
