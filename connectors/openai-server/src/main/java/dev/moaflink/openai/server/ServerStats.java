package dev.moaflink.openai.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the server has seen: counts for operators, and the last requests for tests and troubleshooting. */
public final class ServerStats {

    /** A completion request the server accepted (its prompt's length only: no text is kept). */
    public record Received(String endpoint, String model, boolean stream, int maxTokens, int promptChars) {}

    private static final int KEPT = 1000;

    private final AtomicLong completions = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong clientsGone = new AtomicLong();
    private final AtomicInteger openSessions = new AtomicInteger();
    private final Deque<Received> last = new ArrayDeque<>();

    void accepted(Received r) {
        completions.incrementAndGet();
        synchronized (last) {
            if (last.size() == KEPT) {
                last.removeFirst();
            }
            last.addLast(r);
        }
    }

    void reject() {
        rejected.incrementAndGet();
    }

    void clientGone() {
        clientsGone.incrementAndGet();
    }

    void sessionOpened() {
        openSessions.incrementAndGet();
    }

    void sessionClosed() {
        openSessions.decrementAndGet();
    }

    /** Completion requests accepted (valid, for a served model). */
    public long completions() {
        return completions.get();
    }

    /** Requests answered with an error status (bad request, bad key, unknown model or route, refusal). */
    public long rejected() {
        return rejected.get();
    }

    /** Streams whose client went away before the end; their engine sessions were cancelled. */
    public long clientsGone() {
        return clientsGone.get();
    }

    /** Engine sessions open now. */
    public int openSessions() {
        return openSessions.get();
    }

    /** The last accepted completion requests (at most 1,000), oldest first. */
    public List<Received> received() {
        synchronized (last) {
            return List.copyOf(last);
        }
    }
}
