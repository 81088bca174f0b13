package dev.moaflink.job.io;

import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Converts the job's internal records to the Avro wire records, at the sinks only. */
public final class AvroRecords {

    private AvroRecords() {}

    public static Answer answer(AnswerRecord a) {
        List<AgentTrace> trace = new ArrayList<>(a.trace().length);
        for (NodeTrace t : a.trace()) {
            trace.add(trace(t));
        }
        return Answer.newBuilder()
                .setQueryId(a.queryId())
                .setText(a.text())
                .setExtractedAnswer(a.extractedAnswer())
                .setConfidence(a.confidence())
                .setAggregatorBypassed(a.aggregatorBypassed())
                .setDegraded(a.degraded())
                .setCorrect(a.correct())
                .setTopology(a.topology())
                .setTaskType(a.taskType())
                .setSubmittedAt(Instant.ofEpochMilli(a.submittedAtMs()))
                .setAnsweredAt(Instant.ofEpochMilli(a.answeredAtMs()))
                .setLatencyMs(a.latencyMs())
                .setEngineCriticalPathMs(a.engineCriticalPathMs())
                .setSimulated(a.simulated())
                .setTrace(trace)
                .build();
    }

    public static AgentTrace trace(NodeTrace t) {
        return AgentTrace.newBuilder()
                .setNodeId(t.nodeId())
                .setLevel(t.level())
                .setModel(t.model())
                .setWorker(t.worker())
                .setReplica(t.replica())
                .setStatus(t.status())
                .setInputs(t.inputs() == null ? List.of() : Arrays.asList(t.inputs()))
                .setQueueMs(t.queueMs())
                .setPrefillMs(t.prefillMs())
                .setPrefillExposedMs(t.prefillExposedMs())
                .setDecodeMs(t.decodeMs())
                .setFirstTokenMs(t.firstTokenMs())
                .setStartOffsetMs(t.startOffsetMs())
                .setEndOffsetMs(t.endOffsetMs())
                .setPromptTokens(t.promptTokens())
                .setOutputTokens(t.outputTokens())
                .setConfidence(t.confidence())
                .setExtractedAnswer(t.extractedAnswer())
                .setError(t.error())
                .build();
    }

    public static DeadLetter deadLetter(DeadLetterRecord d) {
        return DeadLetter.newBuilder()
                .setPayload(d.payload() == null ? null : ByteBuffer.wrap(d.payload()))
                .setKey(d.key() == null ? null : ByteBuffer.wrap(d.key()))
                .setSourceTopic(d.sourceTopic())
                .setSourcePartition(d.sourcePartition())
                .setSourceOffset(d.sourceOffset())
                .setQueryId(d.queryId())
                .setKind(d.kind().name())
                .setReason(d.reason())
                .setFailedAt(Instant.ofEpochMilli(d.failedAtMs()))
                .build();
    }
}
