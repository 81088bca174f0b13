package dev.moaflink.job.io;

import dev.moaflink.job.model.AnswerRecord;
import dev.moaflink.job.model.DeadLetterRecord;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** Converts the job's internal records to the Avro wire records, at the sinks only. */
public final class AvroRecords {

    private AvroRecords() {}

    // All-args constructors rather than builders: these run for every answer and each of its 13 or so
    // traces, and a builder validates and tracks every field it sets. A required field that is null still
    // fails, when the record is encoded.
    public static Answer answer(AnswerRecord a) {
        NodeTrace[] traces = a.trace();
        AgentTrace[] trace = new AgentTrace[traces.length];
        for (int i = 0; i < traces.length; i++) {
            trace[i] = trace(traces[i]);
        }
        return new Answer(a.queryId(), a.text(), a.extractedAnswer(), a.confidence(), a.aggregatorBypassed(),
                a.degraded(), a.correct(), a.topology(), a.taskType(), Instant.ofEpochMilli(a.submittedAtMs()),
                Instant.ofEpochMilli(a.answeredAtMs()), a.latencyMs(), a.engineCriticalPathMs(), a.simulated(),
                Arrays.asList(trace));
    }

    public static AgentTrace trace(NodeTrace t) {
        return new AgentTrace(t.nodeId(), t.level(), t.model(), t.worker(), t.replica(), t.status(),
                t.inputs() == null ? List.of() : Arrays.asList(t.inputs()), t.queueMs(), t.prefillMs(),
                t.prefillExposedMs(), t.decodeMs(), t.firstTokenMs(), t.startOffsetMs(), t.endOffsetMs(),
                t.promptTokens(), t.outputTokens(), t.confidence(), t.extractedAnswer(), t.error(),
                t.bypassed(), t.voteShare(), t.cachedPromptTokens());
    }

    public static DeadLetter deadLetter(DeadLetterRecord d) {
        return DeadLetter.newBuilder()
                .setPayload(d.payload() == null ? null : ByteBuffer.wrap(d.payload()))
                .setKey(d.key() == null ? null : ByteBuffer.wrap(d.key()))
                .setSourceTopic(d.sourceTopic() == null ? "" : d.sourceTopic())
                .setSourcePartition(d.sourcePartition())
                .setSourceOffset(d.sourceOffset())
                .setQueryId(d.queryId())
                .setKind(d.kind().name())
                .setReason(d.reason())
                .setFailedAt(Instant.ofEpochMilli(d.failedAtMs()))
                .build();
    }
}
