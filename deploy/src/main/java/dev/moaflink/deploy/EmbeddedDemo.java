package dev.moaflink.deploy;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.DeadLetter;
import dev.moaflink.schema.Query;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;

/**
 * The embedded demo: an in-JVM KRaft broker, a local Flink MiniCluster, the streaming job on its default
 * topology, 20 bundled sample queries (held-out questions of the bundled models' task suite) and one malformed
 * record produced to Kafka, and each answer printed as it is committed, with its latency, a one-line trace summary and
 * which experts alone would have been right; the closing lines compare the MoA answers' accuracy with each expert's on
 * the same queries. By default the agents are the bundled tiny models on the DJL engine; {@code --preset sim} runs the
 * simulated engine instead. Extra arguments are job configuration flags, e.g.
 * {@code --default_topology dense-9-9-1}.
 */
public final class EmbeddedDemo {

    private EmbeddedDemo() {}

    static final String USAGE = """
            usage: deploy/demo.sh [--preset sim] [job flags, e.g. --default_topology dense-9-9-1]

            Runs the job on its embedded default: an in-JVM KRaft broker, a local Flink MiniCluster and the bundled
            models on the DJL engine (--preset sim: the simulated engine); produces 20 held-out questions and one
            malformed record and prints every answer with its latency and trace summary. Any --KEY VALUE is a job
            configuration flag (docs/CONFIGURATION.md). --help prints this text.
            """;

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        int status = run(args);
        System.exit(status);
    }

    static int run(String[] userArgs) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            List<String> args = new ArrayList<>(List.of(
                    "--kafka.bootstrap_servers", kafka.bootstrapServers(),
                    "--kafka.starting_offsets", "earliest",
                    "--kafka.transactional_id_prefix", "moa-demo-" + UUID.randomUUID(),
                    "--checkpoint_interval_ms", "500"));
            args.addAll(Arrays.asList(userArgs));
            JobConfig config = ConfigLoader.fromArgs(args.toArray(String[]::new));
            JobConfig.KafkaSettings k = config.kafka();
            kafka.createTopics(2, k.queriesTopic(), k.answersTopic(), k.deadLetterTopic());
            System.out.printf("Kafka (KRaft, in-JVM) at %s; topics %s → %s, dead letters %s%n",
                    kafka.bootstrapServers(), k.queriesTopic(), k.answersTopic(), k.deadLetterTopic());

            JobClient job = LocalJob.start(config);
            System.out.printf("Flink job %s running on a local MiniCluster, default topology %s%n",
                    job.getJobID(), config.defaultTopology());
            config.models().forEach((name, m) -> System.out.printf("  model %-14s backend %-4s %s%n", name,
                    m.backend(), m.options().getOrDefault("path", "")));

            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
            List<Query> queries = QueryFiles.samples();
            Map<String, Query> byId = new HashMap<>();
            try (QueryProducer producer = new QueryProducer(connection, k.queriesTopic())) {
                for (Query q : queries) {
                    byId.put(q.getId(), q);
                    producer.send(q);
                }
                producer.sendRaw("not-avro", "this is not an Avro record".getBytes(StandardCharsets.UTF_8));
                producer.flush();
            }
            System.out.printf("Produced %d sample queries and 1 malformed record%n%n", queries.size());

            List<Answer> answers;
            ExpertVerdicts tally = new ExpertVerdicts();
            try (AnswerReader<Answer> reader = new AnswerReader<>(connection, k.answersTopic(), Answer.class)) {
                answers = reader.read(queries.size(), Duration.ofMinutes(3),
                        a -> print(a, byId.get(a.getQueryId()), tally));
            }
            List<DeadLetter> dead;
            try (AnswerReader<DeadLetter> reader = new AnswerReader<>(connection, k.deadLetterTopic(), DeadLetter.class)) {
                dead = reader.read(1, Duration.ofSeconds(30), d -> System.out.printf(
                        "dead letter from %s/%d@%d: %s (%s)%n", d.getSourceTopic(), d.getSourcePartition(),
                        d.getSourceOffset(), d.getKind(), d.getReason()));
            }
            job.cancel().get();
            summarize(answers, queries.size());
            System.out.println(tally.summary());
            return answers.size() == queries.size() && dead.size() == 1 ? 0 : 1;
        }
    }

    private static void print(Answer a, Query q, ExpertVerdicts tally) {
        String question = q == null ? "" : q.getText();
        if (question.length() > 70) {
            question = question.substring(0, 67) + "...";
        }
        String verdict = a.getCorrect() == null ? "" : a.getCorrect() ? "correct" : "wrong, gold " + q.getGold();
        System.out.printf(Locale.ROOT, "[%s] %s%n    answer %s (%s)  latency %.2f s%n    %s%n", a.getQueryId(), question,
                a.getExtractedAnswer(), verdict, a.getLatencyMs() / 1000.0, TraceSummary.of(a));
        if (q != null && a.getCorrect() != null) {
            Map<String, ExpertVerdicts.Verdict> experts = ExpertVerdicts.of(a, q);
            tally.add(a, experts);
            System.out.println("    " + ExpertVerdicts.line(experts));
        }
    }

    private static void summarize(List<Answer> answers, int expected) {
        long correct = answers.stream().filter(a -> Boolean.TRUE.equals(a.getCorrect())).count();
        double[] latencies = answers.stream().mapToDouble(Answer::getLatencyMs).sorted().toArray();
        boolean simulated = answers.stream().anyMatch(Answer::getSimulated);
        System.out.printf(Locale.ROOT, "%n%d/%d answers, %d correct; latency p50 %.2f s, max %.2f s%n", answers.size(),
                expected, correct, latencies.length == 0 ? 0 : latencies[latencies.length / 2] / 1000.0,
                latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1000.0);
        if (simulated) {
            System.out.println("Note: these agents ran on the SIMULATED engine (cost and accuracy profiles), "
                    + "not on real models.");
        }
    }
}
