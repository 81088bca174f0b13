package dev.moaflink.engine;

/**
 * A request the engine can never serve as it stands (a prompt larger than the model's context or the KV budget, a
 * query it cannot interpret). Callers must not retry it; other {@link EngineException}s may be transient.
 */
public class RequestRefusedException extends EngineException {
    public RequestRefusedException(String message) {
        super(message);
    }
}
