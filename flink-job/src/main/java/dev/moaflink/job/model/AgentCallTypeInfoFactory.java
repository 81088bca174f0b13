package dev.moaflink.job.model;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.TypeExtractor;

/**
 * Flink's type information for {@link AgentCall}: a sealed interface is no POJO, and the job must never fall back to
 * Kryo, so each phase travels as the POJO it is behind a one-byte tag ({@link AgentCallSerializer}).
 */
public final class AgentCallTypeInfoFactory extends TypeInfoFactory<AgentCall> {

    @Override
    public TypeInformation<AgentCall> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
        return new CallTypeInfo();
    }

    /** The type information the factory gives: one field, a union of the three phases. */
    static final class CallTypeInfo extends TypeInformation<AgentCall> {

        private static final long serialVersionUID = 1L;

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<AgentCall> getTypeClass() {
            return AgentCall.class;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public AgentCallSerializer createSerializer(SerializerConfig config) {
            return new AgentCallSerializer(
                    TypeExtractor.createTypeInfo(AgentCall.Open.class).createSerializer(config),
                    TypeExtractor.createTypeInfo(AgentCall.Append.class).createSerializer(config),
                    TypeExtractor.createTypeInfo(AgentCall.Run.class).createSerializer(config));
        }

        @Override
        public String toString() {
            return "AgentCall(Open | Append | Run)";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CallTypeInfo;
        }

        @Override
        public int hashCode() {
            return CallTypeInfo.class.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof CallTypeInfo;
        }
    }
}
