package dev.moaflink.bench;

import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.schema.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Offers load to one {@link LoadTarget}: one query at a time (the unloaded latency), a closed loop that keeps it
 * saturated (its capacity), open-loop Poisson arrivals at a rate (arrivals never wait for answers), and bursts of
 * queries sent at once. Every query is new (synthetic, unique text), so no prompt repeats one sent before.
 */
final class LoadDriver {

    /** One rate of the ladder as it ran. */
    record RatePoint(double offeredPerS, double achievedPerS, double p50Ms, double p95Ms, double p99Ms,
                     double meanInFlight, int sent, int answered) {}

    /** A burst of queries sent at once: completion times from the burst's start. */
    record Burst(int queries, double makespanMs, double p50Ms, double p95Ms) {

        double p50OverMakespan() {
            return p50Ms / makespanMs;
        }
    }

    private final LoadTarget target;
    private final LoadQueries queries;
    private final SplittableRandom arrivals;

    LoadDriver(LoadTarget target, long seed) {
        this.target = target;
        this.queries = new LoadQueries(target.name, seed);
        this.arrivals = new SplittableRandom(seed);
    }

    /**
     * The median latency of {@code n} queries that do not wait for each other: sent one at a time, each when the
     * previous one was answered ({@code spacingMs} 0), or {@code spacingMs} apart (an engine with many slots, whose
     * queries take seconds).
     */
    double unloadedP50(int n, long spacingMs) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            Query q = queries.next();
            target.send(q);
            target.flush();
            if (spacingMs == 0) {
                ms[i] = await(List.of(q.getId()), 120_000)[0];
            } else {
                ids.add(q.getId());
                Thread.sleep(spacingMs);
            }
        }
        if (spacingMs > 0) {
            ms = await(ids, 300_000);
        }
        return new Percentiles(ms).p(0.5);
    }

    /**
     * A saturated job: its answer rate, and per model the sessions its engine had waiting (for admission, prefill or a
     * decode slot) on average: the model with the most is what limits the job.
     */
    record Capacity(double perS, Map<String, Double> meanWaiting) {

        /** The model with the most sessions waiting, or "" when none waited. */
        String bottleneck() {
            return meanWaiting.entrySet().stream().filter(e -> e.getValue() > 0.5)
                    .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
        }
    }

    /** Keeps {@code inFlight} queries outstanding for {@code seconds}; the answer rate over the last two thirds. */
    double capacity(int inFlight, double seconds) throws InterruptedException {
        return saturate(inFlight, seconds).perS();
    }

    /** As {@link #capacity}, also sampling the engines' waiting sessions over the last two thirds. */
    Capacity saturate(int inFlight, double seconds) throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + (long) (seconds * 1e9 / 3);
        long end = start + (long) (seconds * 1e9);
        long answeredAtFrom = -1;
        List<String> ids = new ArrayList<>();
        Map<String, Double> waiting = new TreeMap<>();
        int samples = 0;
        long nextSample = measureFrom;
        while (System.nanoTime() < end && !target.failed()) {
            if (answeredAtFrom < 0 && System.nanoTime() >= measureFrom) {
                answeredAtFrom = target.answers.distinct();
            }
            if (System.nanoTime() >= nextSample) {
                for (LlmEngine e : EngineRegistry.global().loaded()) {
                    waiting.merge(e.model(), (double) e.load().waitingSessions(), Double::sum);
                }
                samples++;
                nextSample += 200_000_000L;
            }
            if (target.inFlight() < inFlight) {
                Query q = queries.next();
                target.send(q);
                target.flush();
                ids.add(q.getId());
            } else {
                Thread.sleep(2);
            }
        }
        long stop = System.nanoTime();
        double rate = answeredAtFrom < 0 ? 0 : (target.answers.distinct() - answeredAtFrom) / ((stop - measureFrom) / 1e9);
        int n = Math.max(1, samples);
        waiting.replaceAll((model, sum) -> sum / n);
        System.out.printf(Locale.ROOT, "[load] %s: %d in flight for %.0f s: %.2f answers/s; sessions waiting per "
                + "model %s%n", target.name, inFlight, seconds, rate, waiting);
        await(ids, 120_000); // drained before what comes next
        return new Capacity(rate, waiting);
    }

    /**
     * Poisson arrivals at {@code rate} per second for {@code seconds}, then waits (at most {@code drainSeconds}) for
     * their answers; a query not answered by then counts with the time it waited.
     */
    RatePoint offer(double rate, double seconds, double drainSeconds) throws InterruptedException {
        return offer(rate, seconds, drainSeconds, 0);
    }

    /**
     * As {@link #offer(double, double, double)}, but past {@code drainSeconds} it keeps waiting as long as answers
     * still arrive (no {@code stallSeconds} without one): an overloaded job's backlog drains at its own pace, and only
     * queries it stopped answering count as unanswered.
     */
    RatePoint offer(double rate, double seconds, double drainSeconds, double stallSeconds) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<String> ids = new ArrayList<>();
        List<Long> sentAt = new ArrayList<>();
        double inFlightSum = 0;
        int samples = 0;
        long nextSample = start;
        double due = start;
        while (!target.failed()) {
            due += -Math.log(1 - arrivals.nextDouble()) / rate * 1e9;
            if (due >= end) {
                break;
            }
            long wait;
            while ((wait = (long) due - System.nanoTime()) > 0) {
                if (System.nanoTime() >= nextSample) {
                    inFlightSum += target.inFlight();
                    samples++;
                    nextSample += 100_000_000L;
                }
                LockSupport.parkNanos(Math.min(wait, 5_000_000L));
            }
            Query q = queries.next();
            target.send(q);
            target.flush();
            ids.add(q.getId());
            sentAt.add(System.nanoTime());
        }
        double[] latency = await(ids, (long) ((seconds + drainSeconds) * 1000) - (System.nanoTime() - start) / 1_000_000,
                (long) (stallSeconds * 1000));
        long lastAnswer = start;
        int answered = 0;
        for (int i = 0; i < ids.size(); i++) {
            LoadAnswers.Seen s = target.answers.of(ids.get(i));
            if (s != null) {
                answered++;
                lastAnswer = Math.max(lastAnswer, s.readAtNanos());
            } else {
                latency[i] = (System.nanoTime() - sentAt.get(i)) / 1e6; // still waiting: at least this long
            }
        }
        Percentiles p = new Percentiles(latency);
        double achieved = answered / Math.max(seconds, (lastAnswer - start) / 1e9);
        RatePoint point = new RatePoint(rate, achieved, p.p(0.5), p.p(0.95), p.p(0.99),
                samples == 0 ? 0 : inFlightSum / samples, ids.size(), answered);
        System.out.printf(Locale.ROOT, "[load] %s: offered %.2f/s achieved %.2f/s, p50 %.0f ms, p95 %.0f ms, "
                + "in flight %.1f%n", target.name, rate, achieved, point.p50Ms(), point.p95Ms(), point.meanInFlight());
        return point;
    }

    /** Sends {@code n} queries at once and waits for them all; completion times from the first send. */
    Burst burst(int n) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Query q = queries.next();
            target.send(q);
            ids.add(q.getId());
        }
        target.flush();
        await(ids, 300_000);
        double[] done = new double[n];
        for (int i = 0; i < n; i++) {
            LoadAnswers.Seen s = target.answers.of(ids.get(i));
            done[i] = s == null ? Double.NaN : (s.readAtNanos() - start) / 1e6;
        }
        Percentiles p = new Percentiles(done);
        return new Burst(n, p.p(1.0), p.p(0.5), p.p(0.95));
    }

    /** Waits until every id is answered (or the time is up, or the job failed); their latencies, NaN if none. */
    private double[] await(List<String> ids, long timeoutMs) throws InterruptedException {
        return await(ids, timeoutMs, 0);
    }

    /** Waits for the answers until the timeout, and beyond it while some answer came within the last {@code stallMs}. */
    private double[] await(List<String> ids, long timeoutMs, long stallMs) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeoutMs) * 1_000_000L;
        long lastProgress = System.nanoTime();
        int answers = target.answers.distinct();
        double[] ms = new double[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            LoadAnswers.Seen s;
            while ((s = target.answers.of(ids.get(i))) == null) {
                long now = System.nanoTime();
                int n = target.answers.distinct();
                if (n > answers) {
                    answers = n;
                    lastProgress = now;
                }
                if ((now > deadline && now - lastProgress > stallMs * 1_000_000L) || target.failed()) {
                    break;
                }
                Thread.sleep(5);
            }
            ms[i] = s == null ? Double.NaN : s.latencyMs();
        }
        return ms;
    }
}
