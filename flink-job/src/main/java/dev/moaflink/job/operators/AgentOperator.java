package dev.moaflink.job.operators;

import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.job.agent.AgentOutput;
import dev.moaflink.job.agent.CallClock;
import dev.moaflink.job.agent.CallSampling;
import dev.moaflink.job.agent.RunningCalls;
import dev.moaflink.job.agent.ServedModel;
import dev.moaflink.job.agent.TaskThread;
import dev.moaflink.job.backchannel.AgentAddress;
import dev.moaflink.job.backchannel.Backchannel;
import dev.moaflink.job.backchannel.BackchannelContext;
import dev.moaflink.job.backchannel.BackchannelFactory;
import dev.moaflink.job.backchannel.JobScope;
import dev.moaflink.job.backchannel.StopEvent;
import dev.moaflink.job.metrics.ModelMetrics;
import dev.moaflink.job.metrics.WindowHistogram;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.EngineClock;
import dev.moaflink.job.simulation.SimulationSeam;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventDispatcher;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Runs agent calls on shared engines (one model, or every model of a level) without ever blocking the task thread.
 *
 * <p>Each call opens an engine session; tokens stream back on engine threads and are handed to this operator's
 * mailbox, which emits them downstream as {@link AgentChunk}s every {@code chunk_tokens} tokens, then a last chunk
 * with the whole result ({@link RunningCalls}). Calls run unordered; at most {@code capacity} per model served are in
 * flight, and past that the operator yields to its mailbox instead of reading input, so backpressure reaches the
 * source. Calls in flight at a checkpoint are stored and re-run after a restore (engine sessions are not state).
 *
 * <p>The operator keeps the Flink lifecycle: it leases its engines and opens the job's {@link Backchannel} (where
 * collectors stop its calls) in {@code open()}, and chooses once, from its engines' {@link EngineInfo}, the clock its
 * calls are timed in ({@link SimulationSeam}).
 */
public final class AgentOperator extends AbstractStreamOperator<AgentChunk>
        implements OneInputStreamOperator<AgentCall, AgentChunk>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final AgentSpec spec;
    private final BackchannelFactory backchannels;
    private final transient MailboxExecutor mailbox;

    private transient Map<String, ServedModel> models;
    private transient Backchannel backchannel;
    private transient AgentAddress address;
    private transient TaskThread taskThread;
    private transient RunningCalls calls;
    private transient int capacity;
    private transient ListState<AgentCall.Run> inFlightState;
    private transient List<AgentCall.Run> restored;

    /** This subtask's gateway to its coordinator; stops from other processes come back through it. */
    private final transient OperatorEventGateway coordinator;
    private transient Counter stopsReceived;
    private transient WindowHistogram stopLatencyUs;

    AgentOperator(StreamOperatorParameters<AgentChunk> parameters, AgentSpec spec, BackchannelFactory backchannels,
                  MailboxExecutor mailbox) {
        super(parameters);
        this.spec = spec;
        this.backchannels = backchannels;
        this.mailbox = mailbox;
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        OperatorEventDispatcher events = parameters.getOperatorEventDispatcher();
        this.coordinator = events.getOperatorEventGateway(id);
        // Registered before the task runs: an event for an operator without a handler would fail the task.
        events.registerEventHandler(id, this::handleOperatorEvent);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        inFlightState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("agent-calls-in-flight", TypeInformation.of(AgentCall.Run.class)));
        restored = new ArrayList<>();
        if (context.isRestored()) {
            inFlightState.get().forEach(restored::add);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        models = new HashMap<>();
        List<EngineInfo> infos = new ArrayList<>();
        spec.engines().forEach((model, engineSpec) -> {
            EngineRegistry.Lease lease = EngineRegistry.global().acquire(engineSpec);
            infos.add(lease.engine().info());
            models.put(model, new ServedModel(lease, new ModelMetrics(getMetricGroup(), model, lease.engine()),
                    SimulationSeam.opener(lease.engine())));
        });
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        backchannel = backchannels.open(new BackchannelContext(JobScope.of(getRuntimeContext()), coordinator));
        stopsReceived = getMetricGroup().counter("stopsReceived");
        stopLatencyUs = getMetricGroup().histogram("stopLatencyUs", new WindowHistogram(ModelMetrics.WINDOW));
        address = new AgentAddress(spec.operatorId(), subtask);
        backchannel.attach(address);
        taskThread = new TaskThread(mailbox);
        CallClock clock = SimulationSeam.callClock(EngineClock.of(infos));
        AgentOutput output = new AgentOutput(this.output, clock, spec.worker(),
                spec.replica() >= 0 ? spec.replica() : subtask);
        calls = new RunningCalls(models, clock, backchannel, output, spec.settings(),
                new CallSampling(spec.settings(), spec.sampling()), getProcessingTimeService(), taskThread,
                spec.announceStart(), getMetricGroup());
        capacity = spec.settings().capacity() * spec.engines().size();
        restored.forEach(calls::start);
        restored = null;
    }

    @Override
    public void processElement(StreamRecord<AgentCall> element) throws Exception {
        while (calls.count() >= capacity) {
            taskThread.yieldToMailbox();
        }
        AgentCall call = element.getValue();
        if (call instanceof AgentCall.Run run) {
            calls.start(run);
        } else if (call instanceof AgentCall.Append append) {
            calls.append(append);
        } else {
            calls.openAhead((AgentCall.Open) call);
        }
    }

    /**
     * A stop a collector on another TaskManager sent through the coordinators (in the mailbox, after open): applied here
     * as a local stop, its latency from the collector's decision recorded.
     */
    private void handleOperatorEvent(OperatorEvent event) {
        if (event instanceof StopEvent stop && backchannel != null) {
            backchannel.stopHere(stop);
            stopsReceived.inc();
            stopLatencyUs.update(Math.max(0, StopEvent.nowMicros() - stop.sentAtUs()));
        }
    }

    /** Number of calls running now (tests assert it drains to zero). */
    int inFlightCount() {
        return calls.count();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        inFlightState.update(calls.runs());
    }

    @Override
    public void endInput() throws Exception {
        while (calls.count() > 0) {
            taskThread.yieldToMailbox();
        }
    }

    @Override
    public void finish() throws Exception {
        endInput();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (calls != null) {
                calls.closeAll();
            }
            if (backchannel != null) {
                backchannel.detach(address);
                backchannel.close();
                backchannel = null;
            }
        } finally {
            if (models != null) {
                models.values().forEach(ServedModel::close);
                models = null;
            }
            super.close();
        }
    }
}
