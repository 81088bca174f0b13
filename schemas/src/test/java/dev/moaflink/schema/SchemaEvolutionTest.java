package dev.moaflink.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The evolution rule: records written with any released schema version stay readable by the current one
 * and vice versa, which holds when every field added since has a default. Released versions are frozen
 * under src/test/resources/baseline/.
 */
@Timeout(10)
class SchemaEvolutionTest {

    private static final List<String> RELEASED = List.of("v1");

    private static Schema baseline(String version, String record) throws IOException {
        // Parse the baseline's named types in dependency order, like the build does.
        Schema.Parser parser = new Schema.Parser();
        Schema found = null;
        for (String name : List.of("TaskType", "NodeStatus", "AgentTrace", record)) {
            try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/baseline/" + version + "/" + name
                    + ".avsc")) {
                assertNotNull(in, "baseline " + version + " lacks " + name);
                Schema s = parser.parse(in);
                if (name.equals(record)) {
                    found = s;
                }
            }
        }
        return found;
    }

    private static Schema current(String record) {
        return switch (record) {
            case "Query" -> Query.getClassSchema();
            case "Answer" -> Answer.getClassSchema();
            case "DeadLetter" -> DeadLetter.getClassSchema();
            case "AgentTrace" -> AgentTrace.getClassSchema();
            default -> throw new IllegalArgumentException(record);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"Query", "Answer", "DeadLetter", "AgentTrace"})
    void currentReadsEveryReleasedVersionAndBack(String record) throws IOException {
        for (String version : RELEASED) {
            Schema old = baseline(version, record);
            Schema now = current(record);
            assertEquals(SchemaCompatibilityType.COMPATIBLE,
                    SchemaCompatibility.checkReaderWriterCompatibility(now, old).getType(),
                    record + ": current cannot read " + version);
            assertEquals(SchemaCompatibilityType.COMPATIBLE,
                    SchemaCompatibility.checkReaderWriterCompatibility(old, now).getType(),
                    record + ": " + version + " readers cannot read current records");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Query", "Answer", "DeadLetter", "AgentTrace"})
    void fieldsAddedSinceTheFirstReleaseHaveDefaults(String record) throws IOException {
        Set<String> original = baseline("v1", record).getFields().stream().map(Schema.Field::name)
                .collect(Collectors.toSet());
        for (Schema.Field f : current(record).getFields()) {
            if (!original.contains(f.name())) {
                assertTrue(f.hasDefaultValue(), record + "." + f.name() + " was added without a default");
            }
        }
    }

    @Test
    void theCheckCatchesAFieldAddedWithoutDefault() throws IOException {
        Schema old = baseline("v1", "Query");
        String json = Query.getClassSchema().toString().replace("\"fields\":[",
                "\"fields\":[{\"name\":\"priority\",\"type\":\"int\"},");
        Schema broken = new Schema.Parser().parse(json);
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(broken, old).getType());
    }
}
