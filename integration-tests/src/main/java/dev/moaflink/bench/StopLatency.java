package dev.moaflink.bench;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.job.backchannel.LocalBackchannel;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A stop path's latency from the decision to the agent's cancel, as percentiles over the stops measured. */
record StopLatency(long count, double p50Us, double p99Us) {

    /** The collector's JVM: a stop is a method call on the local channel that cancels the running session. */
    static StopLatency inJvm(int stops) {
        LocalBackchannel channel = new LocalBackchannel();
        double[] us = new double[stops];
        for (int i = 0; i < stops; i++) {
            Running session = new Running("q" + i + "/L1.2");
            channel.running(session);
            long t0 = System.nanoTime();
            channel.stop("q" + i, "L1.2");
            us[i] = (session.cancelledAtNanos - t0) / 1e3;
            channel.ended(session);
        }
        Percentiles p = new Percentiles(us);
        return new StopLatency(stops, p.p(0.5), p.p(0.99));
    }

    /**
     * A Kafka control topic's least cost: a record produced (acks=1, no linger) and consumed by a long-polling
     * consumer, {@code ratePerS} a second, on the in-JVM broker.
     */
    static StopLatency kafkaRoundTrip(EmbeddedKafka kafka, int messages, int ratePerS) throws Exception {
        String topic = "stop-control-" + Long.toString(System.nanoTime(), 36);
        kafka.createTopics(1, topic);
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        pp.put(ProducerConfig.ACKS_CONFIG, "1");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, topic);
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        double[] us = new double[messages];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            Thread sender = new Thread(() -> {
                long start = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    long due = start + (long) (i * 1e9 / ratePerS);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                    producer.send(new ProducerRecord<>(topic, ByteBuffer.allocate(8).putLong(System.nanoTime()).array()));
                }
                producer.flush();
            }, "stop-control-producer");
            sender.start();
            int got = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (got < messages && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    us[got++] = (System.nanoTime() - ByteBuffer.wrap(r.value()).getLong()) / 1e3;
                }
            }
            sender.join();
            Percentiles p = new Percentiles(java.util.Arrays.copyOf(us, got));
            return new StopLatency(got, p.p(0.5), p.p(0.99));
        }
    }

    /**
     * The coordinator path as the job measured it: each agent operator's {@code stopLatencyUs} histogram (decision in
     * the collector to the stop applied in the agent), those of the operator that received the most stops.
     */
    static StopLatency fromHistograms(Map<String, Double> metrics) {
        String top = null;
        double most = -1;
        long all = 0;
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (e.getKey().endsWith("stopsReceived")) {
                all += e.getValue().longValue();
                if (e.getValue() > most) {
                    most = e.getValue();
                    top = e.getKey().substring(0, e.getKey().length() - "stopsReceived".length());
                }
            }
        }
        if (top == null || most <= 0) {
            throw new IllegalStateException("no agent received a stop through the coordinators: " + metrics);
        }
        Double p50 = metrics.get(top + "stopLatencyUs_median");
        Double p99 = metrics.get(top + "stopLatencyUs_p99");
        if (p50 == null || p99 == null) {
            throw new IllegalStateException("no stopLatencyUs histogram beside " + top + "stopsReceived: " + metrics);
        }
        return new StopLatency(all, p50, p99);
    }

    /** A session that records when it is cancelled. */
    private static final class Running implements EngineSession {
        private final String id;
        long cancelledAtNanos;

        Running(String id) {
            this.id = id;
        }

        @Override
        public String requestId() {
            return id;
        }

        @Override
        public void append(String text) {}

        @Override
        public CompletableFuture<Generation> generate(GenerationParams params, TokenListener listener) {
            return new CompletableFuture<>();
        }

        @Override
        public void cancel() {
            cancelledAtNanos = System.nanoTime();
        }

        @Override
        public int promptTokens() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
