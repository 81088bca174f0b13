package dev.moaflink.engine.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * Why one HTTP request failed, and what may follow: a retry (connection problems, time-outs, HTTP 429 and 5xx:
 * the server may serve it a moment later), a refusal (the prompt does not fit the model's context: it never will),
 * or neither (other 4xx: the request itself is wrong, e.g. an unknown model or a bad API key).
 *
 * @param retryable the same request may succeed if sent again
 * @param refused   the server can never serve this prompt (maps to {@link dev.moaflink.engine.FinishReason#REFUSED})
 * @param message   what happened, for a person; never carries the API key
 */
record Failure(boolean retryable, boolean refused, String message) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What OpenAI, vLLM, SGLang and llama.cpp say when a prompt does not fit the context. */
    private static final Pattern CONTEXT = Pattern.compile(
            "context_length_exceeded|exceed_context_size|maximum context length|context length|context window"
                    + "|context size|longer than the model", Pattern.CASE_INSENSITIVE);
    private static final int MAX_MESSAGE_CHARS = 500;

    static Failure retryable(String message) {
        return new Failure(true, false, message);
    }

    static Failure fatal(String message) {
        return new Failure(false, false, message);
    }

    /** A response with a status other than 200 and its body. */
    static Failure http(URI url, int status, String body) {
        String serverSays = serverMessage(body);
        String message = "HTTP " + status + " from " + url + ": " + serverSays;
        if (status == 401 || status == 403) {
            return fatal(message + " (check the API key in the environment variable named by api_key_env)");
        }
        if (status == 429 || status >= 500) {
            return retryable(message);
        }
        if ((status == 400 || status == 413 || status == 422) && CONTEXT.matcher(body == null ? "" : body).find()) {
            return new Failure(false, true, message);
        }
        return fatal(message);
    }

    /** An exception from the HTTP client (unwrapped from the future that carried it). */
    static Failure of(URI url, Throwable error, int connectTimeoutMs) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof HttpConnectTimeoutException) {
            return retryable("cannot connect to " + url + " within connect_timeout_ms=" + connectTimeoutMs);
        }
        if (e instanceof HttpTimeoutException) {
            return retryable("no response from " + url + " in time: " + e.getMessage());
        }
        if (e instanceof ConnectException) {
            return retryable("cannot connect to " + url + ": " + describe(e));
        }
        if (e instanceof IOException) {
            return retryable("I/O error talking to " + url + ": " + describe(e));
        }
        return fatal("request to " + url + " failed: " + describe(e));
    }

    /** The same failure after {@code attempts} tries. */
    Failure after(int attempts) {
        return attempts <= 1 ? this : new Failure(retryable, refused, "failed after " + attempts + " attempts; last: "
                + message);
    }

    /** The message of an OpenAI-style error body, FastAPI's {@code detail}, or the body itself, shortened. */
    static String serverMessage(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        String message = body.strip();
        try {
            JsonNode json = JSON.readTree(body);
            String m = json == null ? null : Endpoint.errorMessage(json);
            if (m == null && json != null && json.has("detail")) {
                m = json.get("detail").isTextual() ? json.get("detail").asText() : json.get("detail").toString();
            }
            if (m != null) {
                message = m;
            }
        } catch (IOException notJson) {
            // the body as it is
        }
        return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "…";
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + m;
    }
}
