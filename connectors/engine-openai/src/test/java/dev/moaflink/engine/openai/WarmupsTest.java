package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up state machine alone: a scripted sender, request slots of its own, continuations run inline. */
@Timeout(10)
class WarmupsTest {

    private static final URI URL = URI.create("http://server/v1/chat/completions");

    private final StringBuilder prompt = new StringBuilder();
    private final AsyncPermits slots = new AsyncPermits(1);
    private final List<String> sent = new ArrayList<>();
    private final List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    private final Warmups warmups = new Warmups(this, "r", prompt, slots, Runnable::run, p -> {
        sent.add(p);
        CompletableFuture<HttpResponse<String>> f = new CompletableFuture<>();
        responses.add(f);
        return f;
    }, text -> text.replace("sk-secret", "***"));

    private void grow(String text) {
        prompt.append(text);
        warmups.promptGrew();
    }

    /** Answers warm-up {@code i} (its continuation runs on this thread). */
    private void answer(int i, int status, String body) {
        responses.get(i).complete(new Response(status, body));
    }

    private static String usage(int promptTokens) {
        return "{\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":1}}";
    }

    @Test
    void oneWarmupIsInFlightAndGrowthMeanwhileIsCoalescedIntoOneOfTheLatestPrefix() {
        grow("prefix ");
        grow("a ");
        grow("b ");
        assertEquals(List.of("prefix "), sent, "one in flight");
        assertEquals(1, slots.inUse());
        answer(0, 200, usage(40));
        assertEquals(List.of("prefix ", "prefix a b "), sent, "then one of the latest prefix");
        assertEquals(40 + 1, warmups.promptTokens(), "the server's count of the warmed prefix plus an estimate");
        answer(1, 200, usage(42));
        assertEquals(42, warmups.promptTokens());
        warmups.promptGrew();
        assertEquals(2, sent.size(), "a prompt warmed as it is needs no warm-up");
        assertEquals(0, slots.inUse(), "every slot was given back");
    }

    @Test
    void generateDropsAWarmupWaitingForASlotAndWaitsForOneInFlight() {
        CompletableFuture<Void> taken = slots.acquire(true);
        assertTrue(taken.isDone());
        grow("x");
        assertEquals(1, slots.waiting());
        AtomicInteger started = new AtomicInteger();
        warmups.thenGenerate(started::incrementAndGet);
        assertEquals(1, started.get(), "nothing was sent: the generation starts at once");
        assertEquals(0, slots.waiting(), "the warm-up gave up its place");
        assertEquals(List.of(), sent);
        slots.release();
        assertEquals(0, slots.inUse());

        Warmups inFlight = new Warmups(this, "r2", new StringBuilder("y"), slots, Runnable::run, p -> {
            sent.add(p);
            CompletableFuture<HttpResponse<String>> f = new CompletableFuture<>();
            responses.add(f);
            return f;
        }, text -> text);
        inFlight.promptGrew();
        AtomicInteger waited = new AtomicInteger();
        inFlight.thenGenerate(waited::incrementAndGet);
        assertEquals(0, waited.get(), "the warm-up in flight is waited for");
        inFlight.promptGrew();
        answer(0, 200, usage(3));
        assertEquals(1, waited.get());
        assertEquals(List.of("y"), sent, "no warm-up once generate was called");
        assertEquals(0, slots.inUse());
    }

    @Test
    void aRefusalForContextLengthIsKeptRedactedAndStopsWarmups() {
        grow("a long prompt");
        answer(0, 400, "{\"error\":{\"message\":\"sk-secret: the input is longer than the model's context length\"}}");
        assertTrue(warmups.refusal().contains("***: the input is longer than the model's context length"),
                warmups.refusal());
        assertTrue(warmups.refusal().startsWith("HTTP 400 from " + URL), warmups.refusal());
        grow(" more");
        assertEquals(1, sent.size());
    }

    @Test
    void aFailedWarmupIsIgnored() {
        grow("abcd");
        answer(0, 503, "loading");
        assertNull(warmups.refusal());
        assertEquals(1, warmups.promptTokens(), "no count from the server: an estimate");
        grow("efgh");
        assertEquals(List.of("abcd", "abcdefgh"), sent, "the next warm-up covers the whole prompt");
        responses.get(1).completeExceptionally(new java.io.IOException("connection reset"));
        assertNull(warmups.refusal());
        assertEquals(0, slots.inUse());
    }

    @Test
    void cancelAbortsTheWarmupInFlightAndTheTimeItTookIsCounted() {
        grow("x");
        long before = System.nanoTime();
        assertTrue(warmups.nanosUntil(before + 1_000_000) >= 1_000_000, "the warm-up in flight counts up to now");
        warmups.cancel();
        assertTrue(responses.get(0).isCancelled());
        assertEquals(0, slots.inUse(), "its slot was given back");
        long spent = warmups.nanosUntil(System.nanoTime());
        assertTrue(spent >= 0 && spent == warmups.nanosUntil(System.nanoTime() + 1_000_000), "and it ended");
        grow("y");
        assertEquals(1, sent.size(), "no warm-up after cancel");
    }

    /** A response as the HTTP client hands it over; only what warm-ups read. */
    private record Response(int statusCode, String body) implements HttpResponse<String> {
        @Override
        public URI uri() {
            return URL;
        }

        @Override
        public HttpRequest request() {
            return HttpRequest.newBuilder(URL).build();
        }

        @Override
        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public HttpHeaders headers() {
            return HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
