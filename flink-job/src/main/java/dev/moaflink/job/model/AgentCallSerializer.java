package dev.moaflink.job.model;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Writes an {@link AgentCall} as a tag byte (its phase) followed by that phase's POJO. */
public final class AgentCallSerializer extends TypeSerializer<AgentCall> {

    private static final long serialVersionUID = 1L;
    private static final byte OPEN = 0;
    private static final byte APPEND = 1;
    private static final byte RUN = 2;

    private final TypeSerializer<AgentCall.Open> open;
    private final TypeSerializer<AgentCall.Append> append;
    private final TypeSerializer<AgentCall.Run> run;

    AgentCallSerializer(TypeSerializer<AgentCall.Open> open, TypeSerializer<AgentCall.Append> append,
                        TypeSerializer<AgentCall.Run> run) {
        this.open = open;
        this.append = append;
        this.run = run;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<AgentCall> duplicate() {
        return new AgentCallSerializer(open.duplicate(), append.duplicate(), run.duplicate());
    }

    @Override
    public AgentCall createInstance() {
        return run.createInstance();
    }

    @Override
    public AgentCall copy(AgentCall from) {
        if (from instanceof AgentCall.Run r) {
            return run.copy(r);
        }
        return from instanceof AgentCall.Open o ? open.copy(o) : append.copy((AgentCall.Append) from);
    }

    @Override
    public AgentCall copy(AgentCall from, AgentCall reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(AgentCall call, DataOutputView target) throws IOException {
        if (call instanceof AgentCall.Run r) {
            target.writeByte(RUN);
            run.serialize(r, target);
        } else if (call instanceof AgentCall.Open o) {
            target.writeByte(OPEN);
            open.serialize(o, target);
        } else {
            target.writeByte(APPEND);
            append.serialize((AgentCall.Append) call, target);
        }
    }

    @Override
    public AgentCall deserialize(DataInputView source) throws IOException {
        byte tag = source.readByte();
        return switch (tag) {
            case OPEN -> open.deserialize(source);
            case APPEND -> append.deserialize(source);
            case RUN -> run.deserialize(source);
            default -> throw new IOException("unknown agent call phase tag " + tag);
        };
    }

    @Override
    public AgentCall deserialize(AgentCall reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AgentCallSerializer s && open.equals(s.open) && append.equals(s.append)
                && run.equals(s.run);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {open, append, run});
    }

    @Override
    public TypeSerializerSnapshot<AgentCall> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** The phases' serializer snapshots, so that a restore checks each phase's POJO for compatible changes. */
    public static final class Snapshot extends CompositeTypeSerializerSnapshot<AgentCall, AgentCallSerializer> {

        private static final int VERSION = 1;

        public Snapshot() {
        }

        Snapshot(AgentCallSerializer serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(AgentCallSerializer s) {
            return new TypeSerializer<?>[] {s.open, s.append, s.run};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected AgentCallSerializer createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
            return new AgentCallSerializer((TypeSerializer<AgentCall.Open>) nested[0],
                    (TypeSerializer<AgentCall.Append>) nested[1], (TypeSerializer<AgentCall.Run>) nested[2]);
        }
    }
}
