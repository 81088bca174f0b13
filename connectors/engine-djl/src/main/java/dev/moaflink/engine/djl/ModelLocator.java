package dev.moaflink.engine.djl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves a model {@code path} option to a directory: a filesystem path as is, or {@code classpath:PREFIX}
 * copied once per JVM to a temporary directory (the files of the Hugging Face layout the engine reads).
 */
final class ModelLocator {

    static final String CLASSPATH = "classpath:";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json",
            "tokenizer_config.json", "generation_config.json");
    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    private ModelLocator() {}

    static Path resolve(String path) {
        if (!path.startsWith(CLASSPATH)) {
            Path dir = Path.of(path);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("model directory " + dir.toAbsolutePath() + " does not exist");
            }
            return dir;
        }
        String prefix = path.substring(CLASSPATH.length()).replaceAll("^/+|/+$", "");
        return EXTRACTED.computeIfAbsent(prefix, ModelLocator::extract);
    }

    /** Whether a classpath model exists (validation without copying). */
    static boolean exists(String path) {
        if (!path.startsWith(CLASSPATH)) {
            return Files.isDirectory(Path.of(path));
        }
        String prefix = path.substring(CLASSPATH.length()).replaceAll("^/+|/+$", "");
        return loader().getResource(prefix + "/config.json") != null;
    }

    private static Path extract(String prefix) {
        try {
            Path dir = Files.createTempDirectory("moa-model-");
            dir.toFile().deleteOnExit();
            boolean any = false;
            for (String f : FILES) {
                try (InputStream in = loader().getResourceAsStream(prefix + "/" + f)) {
                    if (in != null) {
                        Path out = dir.resolve(f);
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                        out.toFile().deleteOnExit();
                        any = true;
                    }
                }
            }
            if (!any) {
                throw new IllegalArgumentException("no model on the classpath at " + prefix + " (expected "
                        + prefix + "/config.json)");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy model " + prefix + " from the classpath: " + e.getMessage(), e);
        }
    }

    private static ClassLoader loader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : ModelLocator.class.getClassLoader();
    }
}
