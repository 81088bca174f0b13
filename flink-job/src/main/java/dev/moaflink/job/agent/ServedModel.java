package dev.moaflink.job.agent;

import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.job.metrics.ModelMetrics;
import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.model.QueryTask;
import java.util.Arrays;
import java.util.List;

/** A model an agent operator serves: its leased engine, its metrics, and how its sessions are opened. */
public final class ServedModel implements AutoCloseable {

    private final EngineRegistry.Lease lease;
    private final LlmEngine engine;
    private final boolean simulated;
    private final ModelMetrics metrics;
    private final SessionOpener opener;
    // The prompt context of the last query opened: a query's calls arrive together, so most calls reuse it.
    private QueryTask lastQuery;
    private PromptContext lastContext;

    public ServedModel(EngineRegistry.Lease lease, ModelMetrics metrics, SessionOpener opener) {
        this.lease = lease;
        this.engine = lease.engine();
        this.simulated = engine.info().simulated();
        this.metrics = metrics;
        this.opener = opener;
    }

    public LlmEngine engine() {
        return engine;
    }

    /** Reports must say so when a node ran on a simulated engine. */
    public boolean simulated() {
        return simulated;
    }

    public ModelMetrics metrics() {
        return metrics;
    }

    /** Opens the session of {@code call}'s node with {@code prefix} as its prompt so far. */
    public EngineSession open(AgentCall call, String prefix) {
        return opener.open(engine, request(call, prefix), call.query());
    }

    private SessionRequest request(AgentCall call, String prefix) {
        SessionRequest.Role role = call.level() == 1 ? SessionRequest.Role.PROPOSER : SessionRequest.Role.AGGREGATOR;
        return new SessionRequest(call.requestId(), prefix, context(call.query()), role, call.level(),
                Math.max(0, call.query().submittedAtMs()));
    }

    private PromptContext context(QueryTask q) {
        if (q != lastQuery) {
            lastContext = new PromptContext(q.id(), q.taskType(),
                    q.choices() == null ? List.of() : Arrays.asList(q.choices()));
            lastQuery = q;
        }
        return lastContext;
    }

    @Override
    public void close() {
        lease.close();
    }
}
