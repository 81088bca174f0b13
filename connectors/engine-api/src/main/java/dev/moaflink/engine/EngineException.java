package dev.moaflink.engine;

/** A request an engine cannot serve, or an engine that cannot be created. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
