package dev.moaflink.bench;

import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.schema.Query;
import dev.moaflink.schema.TaskType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak's load: first a closed loop that keeps the job saturated to find its sustainable rate (calibration), then
 * open-loop phases at set rates, arrivals not waiting for answers. Every query has the id {@code s-N}.
 */
final class SoakDriver {

    /** A phase as it ran. */
    record PhaseRun(String name, double ratePerS, double startMinute, long startNanos, long endNanos) {}

    private final SoakJob job;
    private final SoakReader reader;
    private final AtomicLong produced = new AtomicLong();
    private final List<PhaseRun> phases = new ArrayList<>();
    private volatile String phase = "calibration";

    SoakDriver(SoakJob job, SoakReader reader) {
        this.job = job;
        this.reader = reader;
    }

    /** Queries sent so far. */
    long produced() {
        return produced.get();
    }

    /** The name of the phase running now. */
    String currentPhase() {
        return phase;
    }

    /** The phases that ran, in order. */
    List<PhaseRun> phases() {
        return phases;
    }

    /** The phase of that name, or an empty one at the present moment when it did not run (the job failed before). */
    PhaseRun phaseRun(String name) {
        return phases.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElse(new PhaseRun(name, 0, 0, System.nanoTime(), System.nanoTime()));
    }

    /** Keeps the job saturated for {@code seconds}; returns the answer rate over the last two thirds. */
    double calibrate(QueryProducer producer, int seconds) {
        long start = System.nanoTime();
        long measureFrom = start + seconds * 1_000_000_000L / 3;
        long end = start + seconds * 1_000_000_000L;
        long answeredAtFrom = -1;
        while (System.nanoTime() < end && !job.failed()) {
            if (answeredAtFrom < 0 && System.nanoTime() >= measureFrom) {
                answeredAtFrom = reader.distinct();
            }
            // Enough outstanding that the job never idles between checkpoint commits.
            if (produced.get() - reader.distinct() < 50_000) {
                for (int i = 0; i < 200; i++) {
                    producer.send(query(produced.getAndIncrement()));
                }
            } else {
                LockSupport.parkNanos(2_000_000L);
            }
        }
        long stop = System.nanoTime();
        phases.add(new PhaseRun("calibration", Double.NaN, job.minute(start), start, stop));
        return answeredAtFrom < 0 ? 0 : (reader.distinct() - answeredAtFrom) / ((stop - measureFrom) / 1e9);
    }

    /** Produces at {@code rate} per second for {@code seconds} (open loop: arrivals do not wait for answers). */
    void offer(QueryProducer producer, String name, double rate, double seconds) {
        if (job.failed() || rate <= 0) {
            return;
        }
        phase = name;
        long start = System.nanoTime();
        long base = produced.get();
        long end = start + (long) (seconds * 1e9);
        System.out.printf(Locale.ROOT, "[soak] %s: %.0f queries/s for %.1f min%n", name, rate, seconds / 60);
        while (System.nanoTime() < end && !job.failed()) {
            long due = start + (long) ((produced.get() - base) * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 20_000_000L));
                continue;
            }
            producer.send(query(produced.getAndIncrement()));
        }
        phases.add(new PhaseRun(name, rate, job.minute(start), start, System.nanoTime()));
    }

    static Query query(long n) {
        long a = n % 997;
        long b = (n / 997) % 991;
        return Query.newBuilder().setId("s-" + n).setText("Which is larger: " + a + " or " + b + "?")
                .setChoices(List.of(String.valueOf(a), String.valueOf(b))).setTaskType(TaskType.MULTIPLE_CHOICE)
                .setGold(a >= b ? "A" : "B").setSubmittedAt(Instant.now()).build();
    }
}
