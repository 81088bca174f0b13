package dev.moaflink.job.agent;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.job.model.QueryTask;

/** How an agent operator opens a session of one of its engines for a query. */
@FunctionalInterface
public interface SessionOpener {

    /** A real engine's session: the engine is told the prompt and what it is about, nothing else. */
    SessionOpener PLAIN = (engine, request, query) -> engine.open(request);

    EngineSession open(LlmEngine engine, SessionRequest request, QueryTask query);
}
