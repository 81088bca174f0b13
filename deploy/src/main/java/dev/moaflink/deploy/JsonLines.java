package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;

/**
 * Reads a JSON-lines text one line at a time, blank lines skipped. Each file format words its own error for a line
 * that is not JSON, since the messages name what the file was meant to hold.
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Takes one line's JSON and its 1-based line number; returns false to stop reading. */
    @FunctionalInterface
    public interface Line {
        boolean take(int number, JsonNode json) throws IOException;
    }

    /** The error for line {@code number}, which did not parse. */
    @FunctionalInterface
    public interface NotJson<E extends Exception> {
        E at(int number, IOException cause);
    }

    private JsonLines() {}

    public static <E extends Exception> void read(BufferedReader reader, Line line, NotJson<E> notJson)
            throws IOException, E {
        String text;
        int n = 0;
        while ((text = reader.readLine()) != null) {
            n++;
            if (text.isBlank()) {
                continue;
            }
            JsonNode json;
            try {
                json = JSON.readTree(text);
            } catch (IOException e) {
                throw notJson.at(n, e);
            }
            if (!line.take(n, json)) {
                return;
            }
        }
    }
}
