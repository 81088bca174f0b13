package dev.moaflink.job.agent;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.job.model.AgentCall;

/** Real time: calls happen when they are made, and a trace's times are read off the wall clock. */
public final class WallClock implements CallClock {

    @Override
    public boolean virtualTime() {
        return false;
    }

    @Override
    public EngineSession openForRun(ServedModel model, AgentCall.Run run) {
        EngineSession session = model.open(run, run.promptPrefix());
        for (String part : run.promptParts()) {
            session.append(part);
        }
        return session;
    }

    /**
     * A session opened by its run, after its last input arrived, has all of its prefill exposed: also the part of the
     * prefix the engine happened to run before generate reached it.
     */
    @Override
    public PhaseTimings runTimings(PhaseTimings t, boolean openedAhead) {
        if (openedAhead || t.prefillExposedMs() >= t.prefillMs()) {
            return t;
        }
        return new PhaseTimings(t.queueMs(), t.prefillMs(), t.prefillMs(), t.decodeMs(), t.firstTokenMs());
    }

    @Override
    public double startOffsetMs(AgentCall.Run run, long startedAtMs) {
        return startedAtMs - run.query().submittedAtMs();
    }

    @Override
    public double endOffsetMs(AgentCall.Run run, double busyMs) {
        return settledOffsetMs(run);
    }

    @Override
    public double settledOffsetMs(AgentCall.Run run) {
        return System.currentTimeMillis() - run.query().submittedAtMs();
    }
}
