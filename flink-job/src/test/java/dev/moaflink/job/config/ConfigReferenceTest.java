package dev.moaflink.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/CONFIGURATION.md documents every key of the bundled defaults, with the defaults' values. */
class ConfigReferenceTest {

    /** Sections whose entries are user-named (their format is documented, not each entry). */
    private static final Set<String> NAMED = Set.of("models", "topologies");

    @Test
    void everyDefaultKeyIsDocumentedWithItsDefault() throws Exception {
        JsonNode defaults;
        try (InputStream in = ConfigReferenceTest.class.getResourceAsStream("/moa-defaults.yaml")) {
            defaults = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        String doc = Files.readString(Path.of("..", "docs", "CONFIGURATION.md"));
        List<String> missing = new ArrayList<>();
        List<String> wrongDefault = new ArrayList<>();
        int keys = 0;
        for (Map.Entry<String, JsonNode> leaf : leaves("", defaults)) {
            keys++;
            String row = "| `" + leaf.getKey() + "` | ";
            int at = doc.indexOf(row);
            if (at < 0) {
                missing.add(leaf.getKey());
                continue;
            }
            String documented = doc.substring(at + row.length(), doc.indexOf(" |", at + row.length()));
            String actual = leaf.getValue().isNull() ? "null"
                    : leaf.getValue().isContainerNode() ? leaf.getValue().toString()
                    : leaf.getValue().asText();
            if (!documented.equals("`" + actual + "`")) {
                wrongDefault.add(leaf.getKey() + ": documented " + documented + ", defaults say " + actual);
            }
        }
        assertTrue(keys > 40, keys + " keys");
        assertEquals(List.of(), missing, "keys of moa-defaults.yaml missing from docs/CONFIGURATION.md");
        assertEquals(List.of(), wrongDefault);
    }

    private static List<Map.Entry<String, JsonNode>> leaves(String prefix, JsonNode node) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            if (prefix.isEmpty() && NAMED.contains(key)) {
                continue;
            }
            if (e.getValue().isObject() && !e.getValue().isEmpty()) {
                out.addAll(leaves(key + ".", e.getValue()));
            } else {
                out.add(Map.entry(key, e.getValue()));
            }
        }
        return out;
    }
}
