package dev.moaflink.job.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PhaseTimings;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.engine.simulation.SimulatedSession;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.NodeTrace;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.job.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class VirtualCallClockTest {

    private static AgentCall.Run run(AgentCall.Schedule schedule) {
        QueryTask q = Fixtures.query("v1", "tree");
        return new AgentCall.Run(q, "L2.0", 2, "agg", "prefix", new String[] {"1. a\n", "2. b\n"}, 90, 80, false,
                new String[] {"L1.0", "L1.1"}, new NodeTrace[0], 0, null, schedule);
    }

    @Test
    void anOverlapScheduleIsReplayedOnTheEngineClock() {
        Recording session = new Recording();
        VirtualCallClock.replay(session, run(new AgentCall.Schedule(20, new double[] {10, 60})));
        assertEquals(List.of("at 20", "at 20", "append 1. a\n", "at 60", "append 2. b\n", "at 90"), session.calls,
                "opened at 20; a part ready before the opening waits for it; generate when the last input was ready");
    }

    @Test
    void withoutAScheduleThePromptArrivesAtOnce() {
        Recording session = new Recording();
        VirtualCallClock.replay(session, run(null));
        assertEquals(List.of("append 1. a\n", "append 2. b\n"), session.calls);
    }

    @Test
    void aTraceIsComposedFromWhenTheInputsWereReady() {
        VirtualCallClock clock = new VirtualCallClock();
        AgentCall.Run overlapped = run(new AgentCall.Schedule(20, new double[] {10, 60}));
        assertEquals(20, clock.startOffsetMs(overlapped, System.currentTimeMillis()), "started when it opened");
        assertEquals(90 + 15, clock.endOffsetMs(overlapped, 15));
        assertEquals(90, clock.settledOffsetMs(overlapped));
        PhaseTimings engine = new PhaseTimings(0, 40, 5, 10, 6);
        assertEquals(engine, clock.runTimings(engine, false), "the engine's own split of exposed prefill");
    }

    /** Records what the job tells a simulated session. */
    private static final class Recording implements SimulatedSession {
        final List<String> calls = new ArrayList<>();

        @Override
        public void at(double clockMs) {
            calls.add("at " + (long) clockMs);
        }

        @Override
        public String requestId() {
            return "v1/L2.0";
        }

        @Override
        public void append(String text) {
            calls.add("append " + text);
        }

        @Override
        public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
            return new CompletableFuture<>();
        }

        @Override
        public void cancel() {}

        @Override
        public int promptTokens() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
