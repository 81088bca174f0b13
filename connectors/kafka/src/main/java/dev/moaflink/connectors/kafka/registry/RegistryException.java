package dev.moaflink.connectors.kafka.registry;

import java.io.IOException;

/**
 * A schema registry request that failed: the registry answered with an error ({@link #status()} and the registry's
 * own {@link #errorCode()}, e.g. 40403 schema not found), or could not be reached at all (status 0).
 */
public final class RegistryException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status; 0 when no answer came. */
    public int status() {
        return status;
    }

    /** The registry's error code from the response body ({@code error_code}); 0 when it gave none. */
    public int errorCode() {
        return errorCode;
    }

    /** The registry says it has no such schema or subject (Confluent error codes 40401, 40403). */
    public boolean notFound() {
        return status == 404 && (errorCode == 40401 || errorCode == 40403);
    }

    /** No answer, or a server-side error or throttling: worth retrying, and not the record's fault. */
    public boolean transientFailure() {
        return status == 0 || status >= 500 || status == 408 || status == 429;
    }
}
