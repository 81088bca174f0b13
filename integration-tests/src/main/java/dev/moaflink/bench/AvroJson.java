package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * An Avro record as the job's JSON (field names as in the schema; timestamps as epoch milliseconds), so that answers
 * read from Kafka are measured like the lines batch mode writes.
 */
final class AvroJson {

    private AvroJson() {}

    static JsonNode of(SpecificRecord r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Schema.Field f : r.getSchema().getFields()) {
            o.set(f.name(), value(r.get(f.pos())));
        }
        return o;
    }

    private static JsonNode value(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        } else if (v instanceof SpecificRecord r) {
            return of(r);
        } else if (v instanceof List<?> list) {
            ArrayNode a = f.arrayNode();
            list.forEach(x -> a.add(value(x)));
            return a;
        } else if (v instanceof Instant t) {
            return f.numberNode(t.toEpochMilli());
        } else if (v instanceof Boolean b) {
            return f.booleanNode(b);
        } else if (v instanceof Integer i) {
            return f.numberNode(i);
        } else if (v instanceof Long l) {
            return f.numberNode(l);
        } else if (v instanceof Double d) {
            return f.numberNode(d);
        } else if (v instanceof Float d) {
            return f.numberNode(d);
        }
        return f.textNode(v.toString()); // strings, enums
    }
}
