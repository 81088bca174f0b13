package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.AnswerReader;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.Variant;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;

/** One variant's streaming job in the live {@code faster-moa} run, with its topics' clients and what it answered. */
final class LiveJob {

    final Variant variant;
    final List<JsonNode> answers = new ArrayList<>();
    final List<Double> roundTrips = new ArrayList<>();
    private final Path out;
    private JobClient job;
    private QueryProducer producer;
    private AnswerReader<Answer> reader;
    Throwable failure;
    double busyS;

    LiveJob(Variant variant, Path out) {
        this.variant = variant;
        this.out = out;
    }

    /** Starts the variant's streaming job on the shared MiniCluster, reading and writing its own topics. */
    void start(EmbeddedKafka kafka, KafkaConnection connection, MiniCluster flink, List<String[]> extra)
            throws Exception {
        String s = UUID.randomUUID().toString().substring(0, 8);
        String qTopic = "fm-q-" + s;
        String aTopic = "fm-a-" + s;
        String dTopic = "fm-d-" + s;
        kafka.createTopics(1, qTopic, aTopic, dTopic);
        // At-least-once without checkpoints: an answer is readable as soon as it is written, and no checkpoint runs
        // beside the query being measured.
        JobArgs args = JobArgs.bundledModels()
                .set("kafka.bootstrap_servers", kafka.bootstrapServers()).set("kafka.queries_topic", qTopic)
                .set("kafka.answers_topic", aTopic).set("kafka.dead_letter_topic", dTopic)
                .set("kafka.starting_offsets", "earliest").set("kafka.group_id", "fm-" + s)
                .set("kafka.transactional_id_prefix", "fm-" + s).set("kafka.delivery", "at_least_once")
                .set("checkpoint_interval_ms", 0).set("parallelism", 1)
                // Latency with one query in flight: records leave each operator at once instead of after up to
                // the default 5 ms flush interval (a hop per level; the same for every variant).
                .set("buffer_timeout_ms", 0)
                .set("job_name", "faster-moa-djl-" + variant.slug())
                .setAll(variant.overrides()).setAll(extra);
        JobConfig config = ConfigLoader.fromArgs(args.toArray());
        StreamExecutionEnvironment env = new TestStreamEnvironment(flink, 1);
        MoaJob.build(env, config);
        job = env.executeAsync(config.jobName());
        producer = new QueryProducer(connection, qTopic);
        reader = new AnswerReader<>(connection, aTopic, Answer.class);
    }

    /** Sends one query and waits for its answer (anything else on the topic is ignored). */
    Answer ask(Query q, Duration timeout) {
        long t0 = System.nanoTime();
        producer.send(q);
        producer.flush();
        long deadline = t0 + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                for (Answer a : reader.read(1, Duration.ofSeconds(5), x -> { })) {
                    if (a.getQueryId().equals(q.getId())) {
                        return a;
                    }
                }
            }
            throw new IllegalStateException("no answer to " + q.getId() + " within " + timeout);
        } finally {
            busyS += (System.nanoTime() - t0) / 1e9;
        }
    }

    /** Takes the variant out of the run: its job stops and it is asked nothing more. */
    void fail(Throwable e) {
        failure = e;
        System.out.println("[faster-moa] djl " + variant.name() + " failed: " + e);
        stop();
    }

    void stop() {
        try {
            if (job != null) {
                job.cancel().get();
            }
        } catch (Exception e) {
            System.out.println("[faster-moa] cancelling " + variant.name() + ": " + e);
        }
        if (producer != null) {
            producer.close();
        }
        if (reader != null) {
            reader.close();
        }
    }

    /** What the variant's run came to; its answers are written to its file. */
    VariantOutcome outcome() throws Exception {
        if (failure != null) {
            return VariantOutcome.failed(variant, busyS, failure);
        }
        VariantOutcome.writeAnswers(out, answers);
        double[] rt = roundTrips.stream().mapToDouble(Double::doubleValue).toArray();
        return new VariantOutcome(variant, VariantMetrics.of(answers), busyS, new Percentiles(rt).p(0.5), null, out);
    }
}
