package dev.moaflink.job.operators;

import dev.moaflink.job.backchannel.BackchannelCoordinator;
import dev.moaflink.job.backchannel.BackchannelFactory;
import dev.moaflink.job.backchannel.LocalBackchannel;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.legacy.YieldingOperatorFactory;

/**
 * Creates {@link AgentOperator}s and hands them the task's mailbox (as Flink's async I/O factory does), with a
 * coordinator on the JobManager through which stops from collectors on other TaskManagers reach them
 * ({@link BackchannelCoordinator}).
 */
public final class AgentOperatorFactory extends AbstractStreamOperatorFactory<AgentChunk>
        implements OneInputStreamOperatorFactory<AgentCall, AgentChunk>, YieldingOperatorFactory<AgentChunk>,
        CoordinatedOperatorFactory<AgentChunk> {

    private static final long serialVersionUID = 1L;

    private final AgentSpec spec;
    private final BackchannelFactory backchannels;

    /** An operator whose calls collectors stop through the in-JVM backchannel. */
    public AgentOperatorFactory(AgentSpec spec) {
        this(spec, LocalBackchannel.SHARED);
    }

    public AgentOperatorFactory(AgentSpec spec, BackchannelFactory backchannels) {
        this.spec = spec;
        this.backchannels = backchannels;
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<AgentChunk>> T createStreamOperator(StreamOperatorParameters<AgentChunk> parameters) {
        return (T) new AgentOperator(parameters, spec, backchannels, getMailboxExecutor());
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorId) {
        return new BackchannelCoordinator.Provider(operatorId, spec.operatorId());
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return AgentOperator.class;
    }
}
