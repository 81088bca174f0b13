package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import dev.moaflink.schema.Query;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class QueriesCliTest {

    @Test
    void schemasPrintSelfContainedForOtherLanguages() {
        // Parsed alone, with no other schema known: every named type it uses is inlined.
        assertEquals(Query.getClassSchema(), new Schema.Parser().parse(QueriesCli.schema("query")));
        assertEquals(Answer.getClassSchema(), new Schema.Parser().parse(QueriesCli.schema("answer")));
        assertEquals(DeadLetter.getClassSchema(), new Schema.Parser().parse(QueriesCli.schema("dead-letter")));
        assertTrue(QueriesCli.schema("query").contains("\"MULTIPLE_CHOICE\""));
        assertThrows(IllegalArgumentException.class, () -> QueriesCli.schema("queries"));
    }
}
