package dev.moaflink.job.agent;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.job.model.AgentCall;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * Sessions opened ahead of their run (prefill/decode overlap), by request id: each is opened at its node's
 * {@link AgentCall.Open}, so that its prefix is prefilled while its inputs decode, and grows with each
 * {@link AgentCall.Append}. A session whose run never comes (its query's collector state was lost) is closed after
 * the call timeout. Task thread only.
 */
final class OpenedAhead {

    private final ProcessingTimeService timers;
    private final long timeoutMs;
    private final Map<String, Opened> opened = new HashMap<>();

    OpenedAhead(ProcessingTimeService timers, long timeoutMs) {
        this.timers = timers;
        this.timeoutMs = timeoutMs;
    }

    /** A session opened ahead, and the prompt appended to it so far. */
    static final class Opened {
        private final ServedModel model;
        private final EngineSession session;
        private final long openedAtMs;
        private final StringBuilder appended = new StringBuilder();
        private ScheduledFuture<?> expiry;

        private Opened(ServedModel model, EngineSession session, long openedAtMs) {
            this.model = model;
            this.session = session;
            this.openedAtMs = openedAtMs;
        }

        ServedModel model() {
            return model;
        }

        EngineSession session() {
            return session;
        }

        long openedAtMs() {
            return openedAtMs;
        }

        /** Whether {@code prompt} (a run's whole prompt after its prefix) starts with everything appended so far. */
        boolean continuedBy(String prompt) {
            return prompt.startsWith(appended.toString());
        }

        /** The part of {@code prompt} not appended yet (see {@link #continuedBy}). */
        String rest(String prompt) {
            return prompt.substring(appended.length());
        }

        /** The run takes the session over: it no longer expires here. */
        void claim() {
            expiry.cancel(false);
        }

        void close() {
            expiry.cancel(false);
            session.close();
        }
    }

    /** Whether a session is open for {@code requestId}. */
    boolean contains(String requestId) {
        return opened.containsKey(requestId);
    }

    /** Opens {@code call}'s session on {@code model}; false when the engine refused (the run then reports it). */
    boolean open(AgentCall.Open call, ServedModel model) {
        EngineSession session;
        try {
            session = model.open(call, call.promptPrefix());
        } catch (RuntimeException e) {
            return false;
        }
        Opened o = new Opened(model, session, System.currentTimeMillis());
        String requestId = call.requestId();
        o.expiry = timers.registerTimer(timers.getCurrentProcessingTime() + timeoutMs, t -> {
            if (opened.remove(requestId, o)) {
                o.session.close();
            }
        });
        opened.put(requestId, o);
        return true;
    }

    /** Appends an input's newly streamed text to the node's session (incremental prefill), if it is open. */
    void append(AgentCall.Append call) {
        Opened o = opened.get(call.requestId());
        if (o == null) {
            return; // the run carries the whole prompt
        }
        try {
            o.session.append(call.text());
            o.appended.append(call.text());
        } catch (RuntimeException e) {
            opened.remove(call.requestId());
            o.close();
        }
    }

    /** Takes the session opened for {@code requestId} out of this set; null when none is. */
    Opened take(String requestId) {
        return opened.isEmpty() ? null : opened.remove(requestId);
    }

    void closeAll() {
        opened.values().forEach(Opened::close);
        opened.clear();
    }
}
