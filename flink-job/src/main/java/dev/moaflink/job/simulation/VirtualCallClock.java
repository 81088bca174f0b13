package dev.moaflink.job.simulation;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.simulation.SimulatedSession;
import dev.moaflink.job.agent.CallClock;
import dev.moaflink.job.agent.ServedModel;
import dev.moaflink.job.model.AgentCall;

/**
 * Virtual time: a simulated engine models each phase instead of running it. A run's session is told the engine-clock
 * time of each of its calls (its opening, each overlapped prompt piece, its generate), and a node's trace is composed
 * from the time its inputs were ready and the phases the engine reports.
 */
final class VirtualCallClock implements CallClock {

    @Override
    public boolean virtualTime() {
        return true;
    }

    @Override
    public EngineSession openForRun(ServedModel model, AgentCall.Run run) {
        EngineSession opened = model.open(run, run.promptPrefix());
        if (!(opened instanceof SimulatedSession session)) {
            opened.close();
            throw new IllegalStateException("engine of model '" + run.model() + "' says it runs in virtual time but"
                    + " its sessions take no clock");
        }
        replay(session, run);
        return session;
    }

    /**
     * Gives {@code session} the run's prompt at the engine-clock times it became available: with an overlap schedule,
     * the prefix from the opening and each part when it was ready, then generate when the last input was; without one,
     * everything at once (the session's clock never read: all of its prefill is exposed).
     */
    static void replay(SimulatedSession session, AgentCall.Run run) {
        AgentCall.Schedule schedule = run.schedule();
        String[] parts = run.promptParts();
        if (schedule == null) {
            for (String part : parts) {
                session.append(part);
            }
            return;
        }
        double open = schedule.openOffsetMs();
        session.at(open);
        for (int i = 0; i < parts.length; i++) {
            session.at(Math.max(open, schedule.partReadyMs()[i]));
            session.append(parts[i]);
        }
        session.at(Math.max(open, run.readyOffsetMs()));
    }

    /** The engine's own split: it knows which prefill happened while the inputs still decoded. */
    @Override
    public PhaseTimings runTimings(PhaseTimings engine, boolean openedAhead) {
        return engine;
    }

    @Override
    public double startOffsetMs(AgentCall.Run run, long startedAtMs) {
        return run.startOffsetMs();
    }

    @Override
    public double endOffsetMs(AgentCall.Run run, double busyMs) {
        return run.readyOffsetMs() + busyMs;
    }

    @Override
    public double settledOffsetMs(AgentCall.Run run) {
        return run.readyOffsetMs();
    }
}
