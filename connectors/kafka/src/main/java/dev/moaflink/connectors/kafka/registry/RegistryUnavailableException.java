package dev.moaflink.connectors.kafka.registry;

/**
 * The schema registry could not be reached or refused the job's own schema. Not a property of any one record, so
 * nothing is dead-lettered: the task fails, and Flink restarts it from its last checkpoint once the registry is back.
 */
public final class RegistryUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
