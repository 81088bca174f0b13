package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.schema.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the soak's answers with read_committed: every query id (key {@code s-N}) once (lost, duplicates), and the
 * latency of 1% of them (decoded), stamped with when they were read.
 */
final class SoakReader implements Runnable {

    /** One sampled answer: when it was read (System.nanoTime) and its latency from submission. */
    record Latency(long readAtNanos, double ms) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroCodec<Answer> codec = AvroCodec.of(Answer.class);
    private final BitSet seen = new BitSet();
    private final AtomicLong distinct = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Latency> latencies = new ArrayList<>();
    private volatile RuntimeException failure;

    SoakReader(KafkaConnection c, String topic) {
        consumer = AnswerReader.committedConsumer(c, "soak-reader-");
        consumer.subscribe(List.of(topic));
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    int n = Integer.parseInt(r.key().substring(2));
                    synchronized (this) {
                        if (seen.get(n)) {
                            duplicates.incrementAndGet();
                        } else {
                            seen.set(n);
                            distinct.incrementAndGet();
                        }
                        if (n % 100 == 0) {
                            Answer a = codec.decode(r.value());
                            latencies.add(new Latency(System.nanoTime(),
                                    a.getAnsweredAt().toEpochMilli() - a.getSubmittedAt().toEpochMilli()));
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } catch (DecodeException e) {
            failure = new IllegalStateException("undecodable answer: " + e.getMessage(), e);
        } finally {
            consumer.close();
        }
    }

    long distinct() {
        check();
        return distinct.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    /** Sampled latencies of answers read in [fromNanos, toNanos). */
    synchronized double[] latencies(long fromNanos, long toNanos) {
        return latencies.stream().filter(l -> l.readAtNanos >= fromNanos && l.readAtNanos < toNanos)
                .mapToDouble(Latency::ms).toArray();
    }

    /** Waits until {@code count} distinct answers arrived; false on timeout or when {@code stop} says so. */
    boolean await(long count, Duration timeout, java.util.function.BooleanSupplier stop) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (distinct() < count) {
            if (System.nanoTime() > deadline || stop.getAsBoolean()) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("answer reader failed", failure);
        }
    }

    void stop() {
        running.set(false);
    }
}
