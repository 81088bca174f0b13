package dev.moaflink.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The job's packages depend on each other without cycles, read from the sources' references. */
@Timeout(10)
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package (dev\\.moaflink\\.job[\\w.]*);", Pattern.MULTILINE);
    /** A reference to a job class by its qualified name (imports, or inline). */
    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.moaflink\\.job(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    @Test
    void noPackageDependsOnItselfThroughOthers() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertTrue(uses.size() > 5, "read the job's packages: " + uses.keySet());
        List<String> cycle = new ArrayList<>();
        for (String start : uses.keySet()) {
            if (findCycle(start, start, uses, new TreeSet<>(), cycle)) {
                break;
            }
        }
        assertEquals(List.of(), cycle, "a package cycle");
    }

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher p = PACKAGE.matcher(source);
                if (!p.find()) {
                    continue;
                }
                String from = p.group(1);
                Set<String> to = uses.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher r = REFERENCE.matcher(source.substring(p.end()));
                while (r.find()) {
                    if (!r.group(1).equals(from)) {
                        to.add(r.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** Depth-first from {@code at}: true, with the path in {@code cycle}, when it leads back to {@code start}. */
    private static boolean findCycle(String start, String at, Map<String, Set<String>> uses, Set<String> seen,
                                     List<String> cycle) {
        cycle.add(at);
        for (String next : uses.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycle.add(next);
                return true;
            }
            if (seen.add(next) && findCycle(start, next, uses, seen, cycle)) {
                return true;
            }
        }
        cycle.remove(cycle.size() - 1);
        return false;
    }
}
