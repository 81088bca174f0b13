package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * deploy/docker/Dockerfile against the build's output, without a Docker engine: it builds on Flink's image of the
 * project's Flink version, every file it copies exists after {@code mvn package}, the job jar lands where the
 * FlinkDeployment looks for it, and the jars go where they belong (the job jar without native libraries, which go
 * to the cluster's lib/).
 */
@Timeout(60)
class DockerfileTest {

    private static final Pattern ARG = Pattern.compile("\\$\\{(\\w+)}");

    private static Path repo;
    private static List<String> lines;
    private static Map<String, String> args;
    /** Destination by source, variables resolved. */
    private static Map<String, String> copies;

    private static Path repo() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("deploy/docker")) ? p : p.getParent();
    }

    @BeforeAll
    static void readDockerfile() throws IOException {
        repo = repo();
        lines = Files.readAllLines(repo.resolve("deploy/docker/Dockerfile"), StandardCharsets.UTF_8).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        args = new TreeMap<>();
        copies = new TreeMap<>();
        for (String line : lines) {
            List<String> words = new ArrayList<>(Arrays.asList(line.split("\\s+")));
            String instruction = words.remove(0);
            if (instruction.equals("ARG")) {
                String[] kv = words.get(0).split("=", 2);
                args.put(kv[0], kv.length > 1 ? kv[1] : "");
            } else if (instruction.equals("COPY") || instruction.equals("ADD")) {
                words.removeIf(w -> w.startsWith("--"));
                assertEquals(2, words.size(), "one source and one destination: " + line);
                copies.put(resolve(words.get(0)), resolve(words.get(1)));
            }
        }
    }

    private static String resolve(String word) {
        Matcher m = ARG.matcher(word);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            assertTrue(args.containsKey(m.group(1)), "ARG " + m.group(1) + " is declared before its use");
            m.appendReplacement(out, Matcher.quoteReplacement(args.get(m.group(1))));
        }
        return m.appendTail(out).toString();
    }

    private static Element rootPom() throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(repo.resolve("pom.xml").toFile()).getDocumentElement();
    }

    /** The text of the first element named so, at any depth. */
    private static String text(Element parent, String name) {
        return parent.getElementsByTagName(name).item(0).getTextContent().strip();
    }

    /** The project's own version (the root pom has no parent: its first version element). */
    private static String projectVersion(Element pom) {
        for (Node n = pom.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals("version")) {
                return n.getTextContent().strip();
            }
        }
        throw new AssertionError("no version in the root pom");
    }

    private static String jarSource() {
        return copies.entrySet().stream().filter(e -> e.getValue().endsWith(".jar")).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError("the Dockerfile copies no job jar: " + copies));
    }

    @Test
    void itBuildsOnFlinksImageOfTheProjectsFlinkVersionOnJava17() throws Exception {
        Element pom = rootPom();
        assertEquals("FROM flink:" + text(pom, "flink.version") + "-java17", lines.get(0));
        assertEquals(projectVersion(pom), args.get("VERSION"), "ARG VERSION is the project's version");
    }

    @Test
    void everyFileItCopiesIsThereAfterThePackageBuild() throws IOException {
        assertFalse(copies.isEmpty());
        for (String source : copies.keySet()) {
            Path p = repo.resolve(source);
            assertTrue(Files.exists(p), source + " exists (mvn -B package -DskipTests)");
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.list(p)) {
                    assertTrue(files.findAny().isPresent(), source + " is not empty");
                }
            }
        }
    }

    @Test
    void theJobJarLandsWhereTheFlinkDeploymentLooksForItAndTheImageIsTheOneItNames() throws IOException {
        assertEquals(K8sManifests.JOB_JAR.replaceFirst("^local://", ""), copies.get(jarSource()));
        String rendered = Files.readString(repo.resolve("deploy/k8s/flink-deployment.yaml"));
        assertTrue(rendered.contains("jarURI: " + K8sManifests.JOB_JAR), "the committed FlinkDeployment's jarURI");
        String image = K8sManifests.Options.defaults().image();
        assertTrue(rendered.contains("image: " + image), "the committed FlinkDeployment runs " + image);
        assertTrue(Files.readString(repo.resolve("deploy/docker/Dockerfile"))
                .contains("docker build -f deploy/docker/Dockerfile -t " + image + " ."),
                "the Dockerfile's build command tags the image the FlinkDeployment runs");
    }

    @Test
    void theJobJarCarriesTheJobAndItsServicesButNoNativeLibraries() throws IOException {
        try (ZipFile jar = new ZipFile(repo.resolve(jarSource()).toFile())) {
            assertNotNull(jar.getEntry("dev/moaflink/job/MoaJob.class"));
            assertNotNull(jar.getEntry("org/apache/flink/connector/kafka/source/KafkaSource.class"));
            assertNotNull(jar.getEntry("org/apache/kafka/clients/producer/KafkaProducer.class"));
            ZipEntry engines = jar.getEntry("META-INF/services/dev.moaflink.engine.EngineFactory");
            assertNotNull(engines);
            String factories = new String(jar.getInputStream(engines).readAllBytes(), StandardCharsets.UTF_8);
            for (String backend : List.of("sim.SimulatedEngineFactory", "djl.DjlEngineFactory",
                    "openai.OpenAiEngineFactory")) {
                assertTrue(factories.contains("dev.moaflink.engine." + backend), "services merged: " + factories);
            }
            List<String> leaked = jar.stream().map(ZipEntry::getName)
                    .filter(n -> n.startsWith("ai/djl/") || n.startsWith("ai/onnxruntime/")
                            || n.startsWith("com/sun/jna/") || n.startsWith("org/slf4j/")
                            || n.startsWith("org/apache/flink/runtime/") || n.startsWith("org/apache/flink/api/"))
                    .limit(5).toList();
            assertEquals(List.of(), leaked, "native libraries and Flink's own classes stay out of the job jar");
        }
    }

    @Test
    void theNativeLibrariesGoToTheClustersLib() throws IOException {
        Map.Entry<String, String> natives = copies.entrySet().stream()
                .filter(e -> e.getValue().equals("/opt/flink/lib/")).findFirst()
                .orElseThrow(() -> new AssertionError("nothing copied to /opt/flink/lib/: " + copies));
        List<String> jars;
        try (Stream<Path> files = Files.list(repo.resolve(natives.getKey()))) {
            jars = files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        for (String prefix : List.of("api-", "pytorch-engine-", "pytorch-jni-", "pytorch-native-cpu-", "tokenizers-",
                "onnxruntime-", "jna-")) {
            assertTrue(jars.stream().anyMatch(j -> j.startsWith(prefix)), prefix + "*.jar in " + jars);
        }
        assertTrue(jars.stream().noneMatch(j -> j.startsWith("flink-") || j.startsWith("slf4j")
                || j.startsWith("log4j")), "Flink's image has its own: " + jars);
    }
}
