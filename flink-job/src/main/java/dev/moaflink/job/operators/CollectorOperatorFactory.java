package dev.moaflink.job.operators;

import dev.moaflink.job.backchannel.BackchannelCoordinator;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.AnswerRecord;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleUdfStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Runs a {@link LevelCollector} as Flink's keyed process operator, with a coordinator on the JobManager through which
 * its stops reach agent operators on other TaskManagers ({@link BackchannelCoordinator}).
 */
public final class CollectorOperatorFactory extends SimpleUdfStreamOperatorFactory<AnswerRecord>
        implements OneInputStreamOperatorFactory<AgentChunk, AnswerRecord>, CoordinatedOperatorFactory<AnswerRecord> {

    private static final long serialVersionUID = 1L;

    public CollectorOperatorFactory(LevelCollector collector) {
        super(new KeyedProcessOperator<>(collector));
    }

    @Override
    public <T extends StreamOperator<AnswerRecord>> T createStreamOperator(
            StreamOperatorParameters<AnswerRecord> parameters) {
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        ((LevelCollector) getUserFunction()).useCoordinator(
                parameters.getOperatorEventDispatcher().getOperatorEventGateway(id));
        return super.createStreamOperator(parameters);
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorId) {
        return new BackchannelCoordinator.Provider(operatorId, null);
    }
}
