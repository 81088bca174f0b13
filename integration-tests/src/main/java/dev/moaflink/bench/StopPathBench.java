package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * How fast a stop (early exit, settled bypass) reaches the agent that runs the node, by path: in the collector's JVM
 * (a method call), through Flink's operator coordinators on the JobManager (what reaches other TaskManagers; measured
 * in a streaming job on a MiniCluster with {@code mechanisms.stop_path: coordinator}, decision to the agent's cancel),
 * and, for the alternative not taken, a Kafka control topic's produce-to-consume round trip on the in-JVM broker (the
 * least such a path would cost).
 */
final class StopPathBench implements Bench.Runner {

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        int queries = o.integer("queries", 400);
        int rate = o.integer("rate", 40);
        int messages = o.integer("kafka-messages", 2000);
        int local = o.integer("local-stops", 20000);
        long t0 = System.nanoTime();
        StopLatency inJvm = StopLatency.inJvm(local);
        System.out.printf("[stop-path] in-JVM: %d stops, p50 %.1f µs%n", inJvm.count(), inJvm.p50Us());
        StopLatency coordinator;
        StopLatency kafkaTopic;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafkaTopic = StopLatency.kafkaRoundTrip(kafka, messages, 200);
            System.out.printf("[stop-path] Kafka round trip: %d messages, p50 %.1f µs%n", kafkaTopic.count(),
                    kafkaTopic.p50Us());
            coordinator = coordinatorPath(kafka, queries, rate);
            System.out.printf("[stop-path] coordinators: %d stops, p50 %.1f µs%n", coordinator.count(),
                    coordinator.p50Us());
        }
        return new StopPathReport(inJvm, coordinator, kafkaTopic, queries, rate, (System.nanoTime() - t0) / 1e9)
                .build();
    }

    /** The job with every stop sent through the coordinators; latencies from the agents' stopLatencyUs histogram. */
    private static StopLatency coordinatorPath(EmbeddedKafka kafka, int n, int rate) throws Exception {
        String s = Long.toString(System.nanoTime(), 36);
        String q = "stop-q-" + s;
        String a = "stop-a-" + s;
        String d = "stop-d-" + s;
        kafka.createTopics(1, q, a, d);
        JobArgs args = JobArgs.kafka(kafka.bootstrapServers(), q, a, d).set("job_name", "stop-path")
                .set("agent.layout", "per_model")
                .set("topologies.cluster3", "{kind: tree, fan_in: 3, depth: 2,"
                        + " models: [[expert-small, expert-medium, expert-large], [aggregator]]}")
                .set("default_topology", "cluster3").set("mechanisms.stop_path", "coordinator")
                .set("mechanisms.bypass_threshold", 0.67).set("mechanisms.early_exit.enabled", true)
                .set("mechanisms.early_exit.similarity", "answer")
                .simOption("prefill_tps", "inf").simOption("overhead_ms", 0)
                .simOption("output_mean_tokens", 20).simOption("output_p95_tokens", 30)
                .set("models.expert-small.options.decode_tps", 2000).set("models.expert-medium.options.decode_tps", 1000)
                .set("models.expert-large.options.decode_tps", 50).set("models.aggregator.options.decode_tps", 2000);
        JobConfig config = ConfigLoader.fromArgs(args.toArray());
        int port = FlinkRest.freePort();
        Configuration flink = BenchFlink.configuration(config);
        flink.set(RestOptions.BIND_PORT, String.valueOf(port));
        flink.set(RestOptions.PORT, port);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        MoaJob.build(env, config);
        JobClient job = env.executeAsync(config.jobName());
        try {
            KafkaConnection c = KafkaConnection.of(kafka.bootstrapServers());
            List<Query> sent = SyntheticQueries.generate(n, 7, "stop-");
            try (QueryProducer p = new QueryProducer(c, q)) {
                long start = System.nanoTime();
                for (int i = 0; i < sent.size(); i++) {
                    long due = start + (long) (i * 1e9 / rate);
                    while (System.nanoTime() < due) {
                        Thread.sleep(1);
                    }
                    p.send(sent.get(i));
                }
                p.flush();
            }
            try (AnswerReader<Answer> r = new AnswerReader<>(c, a, Answer.class)) {
                r.read(n, Duration.ofMinutes(3), x -> { });
            }
            FlinkRest rest = new FlinkRest(port);
            Map<String, Double> m = rest.operatorMetrics(job.getJobID().toString(), "stopLatencyUs_median",
                    "stopLatencyUs_p99", "stopLatencyUs_count", "stopsReceived");
            return StopLatency.fromHistograms(m);
        } finally {
            job.cancel().get();
        }
    }

    /** Which figures the report shows for a path. */
    static Map<String, Object> figures(StopLatency l) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("stops", l.count());
        f.put("p50_us", round(l.p50Us()));
        f.put("p99_us", round(l.p99Us()));
        return f;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
