package dev.moaflink.job.config;

/** A configuration the job refuses to start with; the message says what to fix. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
