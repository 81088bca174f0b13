package dev.moaflink.connectors.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RawRecordTest {

    @Test
    @Timeout(10)
    void flinkSerializesItAsAPojoWithoutKryo() throws Exception {
        TypeInformation<RawRecord> info = TypeInformation.of(RawRecord.class);
        assertInstanceOf(PojoTypeInfo.class, info);
        SerializerConfigImpl noGenericTypes = new SerializerConfigImpl();
        noGenericTypes.setGenericTypes(false);
        TypeSerializer<RawRecord> serializer = info.createSerializer(noGenericTypes);

        RawRecord tombstone = new RawRecord("queries", 3, 42L, 1_700_000_000_000L, null, null);
        RawRecord full = new RawRecord("queries", 0, 7L, 1L, new byte[] {1}, new byte[] {2, 3});
        for (RawRecord record : new RawRecord[] {tombstone, full}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(record, out);
            assertEquals(record, serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
        }
    }

    @Test
    @Timeout(10)
    void equalityComparesBytesAndToStringHidesThem() {
        RawRecord a = new RawRecord("t", 0, 1, 2, new byte[] {1}, new byte[] {2});
        assertEquals(a, new RawRecord("t", 0, 1, 2, new byte[] {1}, new byte[] {2}));
        assertEquals(a.hashCode(), new RawRecord("t", 0, 1, 2, new byte[] {1}, new byte[] {2}).hashCode());
        assertNotEquals(a, new RawRecord("t", 0, 1, 2, new byte[] {1}, new byte[] {3}));
        assertEquals("t-0@1", a.coordinates());
        assertTrue(a.toString().contains("value=1 bytes"), a.toString());
    }
}
