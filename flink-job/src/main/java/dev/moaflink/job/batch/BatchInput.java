package dev.moaflink.job.batch;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.nio.file.PathMatcher;
import java.util.function.Predicate;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.DefaultFileFilter;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The JSON-lines input of a batch run on any Flink file system: one file, a directory (every visible file under it,
 * recursively), or a glob in the last path element ({@code s3://bucket/q/part-*.jsonl}). Each file is one split, so
 * several files are read in parallel; one file is read by one reader, which parses far faster than the engines answer.
 */
public final class BatchInput {

    private BatchInput() {}

    public static FileSource<String> source(String input) {
        Path path = new Path(input);
        String name = path.getName();
        Path base = path.getParent();
        if (base != null && isGlob(base.getPath())) {
            throw new IllegalArgumentException("batch.input: a glob may only be in the last path element: " + input);
        }
        if (!isGlob(name)) {
            return FileSource.forRecordStreamFormat(new TextLineInputFormat(), path).build();
        }
        return FileSource.forRecordStreamFormat(new TextLineInputFormat(), base)
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(new GlobFilter(base, name)))
                .build();
    }

    /** The files the source reads (for counting lines up front), by path. */
    static List<FileStatus> files(String input) throws IOException {
        Path path = new Path(input);
        List<FileStatus> files = new ArrayList<>();
        if (!isGlob(path.getName())) {
            FileSystem fs = path.getFileSystem();
            collect(fs, fs.getFileStatus(path), new DefaultFileFilter(), files);
        } else {
            Path base = path.getParent();
            FileSystem fs = base.getFileSystem();
            collect(fs, fs.getFileStatus(base), new GlobFilter(base, path.getName()), files);
        }
        files.sort(Comparator.comparing(f -> f.getPath().toString()));
        return files;
    }

    private static void collect(FileSystem fs, FileStatus status, Predicate<Path> filter, List<FileStatus> files)
            throws IOException {
        if (!filter.test(status.getPath())) {
            return;
        }
        if (!status.isDir()) {
            files.add(status);
            return;
        }
        for (FileStatus child : fs.listStatus(status.getPath())) {
            collect(fs, child, filter, files);
        }
    }

    static boolean isGlob(String s) {
        return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /** Visible files directly under the base directory whose name matches the glob. */
    static final class GlobFilter implements Predicate<Path>, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final Path base;
        private final String glob;
        private transient PathMatcher matcher;
        private final DefaultFileFilter visible = new DefaultFileFilter();

        GlobFilter(Path base, String glob) {
            this.base = base;
            this.glob = glob;
        }

        @Override
        public boolean test(Path p) {
            if (p.equals(base) || p.getPath().equals(base.getPath())) {
                return true;
            }
            if (matcher == null) {
                matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            }
            return visible.test(p) && matcher.matches(java.nio.file.Path.of(p.getName()));
        }
    }
}
