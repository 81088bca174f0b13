package dev.moaflink.job.batch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * A batch run's output directory, on any file system Flink supports ({@code file://}, {@code s3://}, {@code hdfs://},
 * ...): {@code answers/} and {@code dead-letters/} hold JSON-lines part files committed by Flink's FileSink (files
 * still being written are hidden, their names start with a dot), and {@code summary.json} / {@code summary.md} are
 * written by the job when its input ends.
 */
public record BatchOutput(String directory) implements Serializable {

    public static final String ANSWERS = "answers";
    public static final String DEAD_LETTERS = "dead-letters";
    public static final String SUMMARY_JSON = "summary.json";
    public static final String SUMMARY_MD = "summary.md";

    public Path answers() {
        return new Path(directory, ANSWERS);
    }

    public Path deadLetters() {
        return new Path(directory, DEAD_LETTERS);
    }

    public Path summaryJson() {
        return new Path(directory, SUMMARY_JSON);
    }

    public Path summaryMarkdown() {
        return new Path(directory, SUMMARY_MD);
    }

    /** Deletes the directory and everything in it, so that the next run starts over instead of resuming. */
    public void delete() {
        Path dir = new Path(directory);
        try {
            FileSystem fs = dir.getFileSystem();
            if (fs.exists(dir)) {
                fs.delete(dir, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** The committed answer part files, by name (none when the directory does not exist yet). */
    public List<Path> committedAnswers() {
        return committed(answers());
    }

    /** The committed dead-letter part files, by name. */
    public List<Path> committedDeadLetters() {
        return committed(deadLetters());
    }

    /** Every line of the committed answer files. */
    public List<String> answerLines() {
        return lines(committedAnswers());
    }

    /** Every line of the committed dead-letter files. */
    public List<String> deadLetterLines() {
        return lines(committedDeadLetters());
    }

    /** The committed (visible) files directly under {@code dir}: FileSink names the ones in progress {@code .part-*}. */
    static List<Path> committed(Path dir) {
        try {
            FileSystem fs = dir.getFileSystem();
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<Path> files = new ArrayList<>();
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (!f.isDir() && !name.startsWith(".") && !name.startsWith("_")) {
                    files.add(f.getPath());
                }
            }
            files.sort(Comparator.comparing(Path::getName));
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The non-blank lines of {@code files}, in order. */
    public static List<String> lines(List<Path> files) {
        List<String> lines = new ArrayList<>();
        for (Path file : files) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(file.getFileSystem().open(file),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return lines;
    }
}
