package dev.moaflink.job.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.testing.Fixtures;
import dev.moaflink.schema.NodeStatus;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Agent calls travel and are checkpointed as the POJOs of their phases, never through Kryo. */
@Timeout(10)
class AgentCallSerializerTest {

    private static TypeSerializer<AgentCall> serializer() {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false); // a Kryo fallback anywhere inside would throw here
        return TypeInformation.of(AgentCall.class).createSerializer(config);
    }

    private static AgentCall roundTrip(TypeSerializer<AgentCall> s, AgentCall call) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(call, out);
        return s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    @Test
    void everyPhaseSurvivesARoundTrip() throws Exception {
        TypeSerializer<AgentCall> s = serializer();
        QueryTask q = Fixtures.query("q1", "tree");
        AgentCall.Open open = AgentCall.open(q, "L2.0", 2, "agg", "Synthesize:\n");
        AgentCall.Append append = AgentCall.append(q, "L2.0", 2, "agg", "1. Blue.\n");
        AgentCall.Run run = new AgentCall.Run(q, "L2.0", 2, "agg", "Synthesize:\n", new String[] {"1. Blue.\n"}, 12.5,
                9, false, new String[] {"L1.0"}, new NodeTrace[] {Fixtures.trace("L1.0", 1, NodeStatus.RAN, 12.5)},
                1.0, new AgentCall.Consensus("A", "Answer: A", 0.9), new AgentCall.Schedule(3, new double[] {7.5}));
        AgentCall.Open openBack = assertInstanceOf(AgentCall.Open.class, roundTrip(s, open));
        assertEquals(open.requestId(), openBack.requestId());
        assertEquals(open.promptPrefix(), openBack.promptPrefix());
        assertArrayEquals(q.choices(), openBack.query().choices());
        AgentCall.Append appendBack = assertInstanceOf(AgentCall.Append.class, roundTrip(s, append));
        assertEquals(append.text(), appendBack.text());
        assertEquals(2, appendBack.level());
        AgentCall.Run back = assertInstanceOf(AgentCall.Run.class, roundTrip(s, run));
        assertArrayEquals(run.promptParts(), back.promptParts());
        assertEquals(run.consensus(), back.consensus());
        assertArrayEquals(run.schedule().partReadyMs(), back.schedule().partReadyMs());
        assertEquals("L1.0", back.upstream()[0].nodeId());
        assertEquals(12.5, back.readyOffsetMs());
        assertEquals(3, back.startOffsetMs(), "opened ahead at 3 on the engine clock");
        AgentCall.Run plain = Fixtures.leafCall(q, "L1.0", "a");
        assertEquals(plain.nodeId(), roundTrip(s, s.copy(plain)).nodeId());
    }

    @Test
    void aRestoredSnapshotIsCompatibleAsIs() throws Exception {
        TypeSerializer<AgentCall> s = serializer();
        DataOutputSerializer out = new DataOutputSerializer(1024);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s.snapshotConfiguration());
        TypeSerializerSnapshot<AgentCall> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertTrue(s.snapshotConfiguration().resolveSchemaCompatibility(restored).isCompatibleAsIs());
        QueryTask q = Fixtures.query("q2", "tree");
        for (AgentCall call : List.of(AgentCall.open(q, "L2.1", 2, "agg", "p"), Fixtures.leafCall(q, "L1.1", "b"))) {
            assertEquals(call.requestId(), roundTrip(restored.restoreSerializer(), call).requestId());
        }
    }
}
