package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads a load run's answers (read_committed) on a thread of its own: for each query id when it was read and its
 * latency (answered_at − submitted_at, the job's clock), duplicates, and per level the prompt tokens given to the
 * engines and those taken from their prefix caches.
 */
final class LoadAnswers implements Runnable, AutoCloseable {

    /** One answer: its latency and when the reader saw it (System.nanoTime). */
    record Seen(double latencyMs, long readAtNanos) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroCodec<Answer> codec = AvroCodec.of(Answer.class);
    private final Map<String, Seen> seen = new HashMap<>();
    private final Map<Integer, long[]> promptByLevel = new HashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private long duplicates;
    private volatile RuntimeException failure;

    LoadAnswers(KafkaConnection connection, String topic) {
        consumer = AnswerReader.committedConsumer(connection, "load-reader-");
        consumer.subscribe(List.of(topic));
        thread = new Thread(this, "load-answers");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    Answer a = codec.decode(r.value());
                    synchronized (this) {
                        if (seen.containsKey(a.getQueryId())) {
                            duplicates++;
                            continue;
                        }
                        double ms = a.getAnsweredAt().toEpochMilli() - a.getSubmittedAt().toEpochMilli();
                        seen.put(a.getQueryId(), new Seen(ms, now));
                        for (AgentTrace t : a.getTrace()) {
                            long[] sums = promptByLevel.computeIfAbsent(t.getLevel(), l -> new long[2]);
                            sums[0] += t.getPromptTokens();
                            sums[1] += t.getCachedPromptTokens();
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

    /** The answer to {@code id}, or null while none was read. */
    synchronized Seen of(String id) {
        check();
        return seen.get(id);
    }

    synchronized int distinct() {
        check();
        return seen.size();
    }

    synchronized long duplicates() {
        return duplicates;
    }

    /** Per level, {prompt tokens, of which cached} over every answer read so far. */
    synchronized Map<Integer, long[]> promptTokensByLevel() {
        Map<Integer, long[]> copy = new HashMap<>();
        promptByLevel.forEach((l, v) -> copy.put(l, v.clone()));
        return copy;
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("answer reader failed", failure);
        }
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
