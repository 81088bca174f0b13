package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Query;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;

/**
 * One job under load: a streaming job of the given configuration on the run's MiniCluster, reading and writing topics
 * of its own on the run's broker, with its query producer and answer reader; whether it failed.
 */
final class LoadTarget implements AutoCloseable {

    final String name;
    final LoadAnswers answers;
    private final JobClient client;
    private final QueryProducer producer;
    private final AtomicLong sent = new AtomicLong();
    private volatile String failure;
    private volatile boolean closing;

    private LoadTarget(String name, JobClient client, QueryProducer producer, LoadAnswers answers) {
        this.name = name;
        this.client = client;
        this.producer = producer;
        this.answers = answers;
        client.getJobExecutionResult().whenComplete((result, error) -> {
            if (!closing) {
                failure = error == null ? "the job finished on its own" : SoakJob.rootCause(error);
            }
        });
    }

    /**
     * Starts the job: {@code base} (engine preset and model options) with {@code overrides} on top. Exactly-once jobs
     * checkpoint every second and their answers are read at commits; the others write at least once without
     * checkpoints, so an answer is readable as soon as it is written.
     */
    static LoadTarget start(String name, EmbeddedKafka kafka, MiniCluster flink, JobArgs base, List<String[]> overrides,
                            boolean exactlyOnce) throws Exception {
        String s = UUID.randomUUID().toString().substring(0, 8);
        String q = "load-q-" + s;
        String a = "load-a-" + s;
        String d = "load-d-" + s;
        kafka.createTopics(1, q, a, d);
        JobArgs args = base.set("kafka.bootstrap_servers", kafka.bootstrapServers()).set("kafka.queries_topic", q)
                .set("kafka.answers_topic", a).set("kafka.dead_letter_topic", d)
                .set("kafka.starting_offsets", "earliest").set("kafka.group_id", "load-" + s)
                .set("kafka.transactional_id_prefix", "load-" + s)
                .set("kafka.delivery", exactlyOnce ? "exactly_once" : "at_least_once")
                .set("checkpoint_interval_ms", exactlyOnce ? 1000 : 0)
                .set("job_name", "load-" + name).setAll(overrides);
        JobConfig config = ConfigLoader.fromArgs(args.toArray());
        StreamExecutionEnvironment env = new TestStreamEnvironment(flink, 1);
        MoaJob.build(env, config);
        JobClient client = env.executeAsync(config.jobName());
        KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
        return new LoadTarget(name, client, new QueryProducer(connection, q), new LoadAnswers(connection, a));
    }

    /** Sends {@code q}, submitted now. */
    void send(Query q) {
        producer.send(Query.newBuilder(q).setSubmittedAt(Instant.now()).build());
        sent.incrementAndGet();
    }

    void flush() {
        producer.flush();
    }

    long sent() {
        return sent.get();
    }

    /** Queries sent and not answered yet. */
    long inFlight() {
        return sent.get() - answers.distinct();
    }

    boolean failed() {
        return failure != null;
    }

    /** Why the job ended, or null while it runs. */
    String failure() {
        return failure;
    }

    @Override
    public void close() {
        closing = true;
        try {
            if (!failed()) {
                client.cancel().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            System.out.println("[load] cancelling " + name + ": " + SoakJob.rootCause(e));
        }
        producer.close();
        answers.close();
    }
}
