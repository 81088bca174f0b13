package dev.moaflink.deploy;

import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.batch.BatchReport;
import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.Query;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Produces queries to Kafka and consumes answers from it.
 *
 * <pre>
 * produce --bootstrap HOST:PORT --topic T (--file queries.jsonl | --samples | --dataset NAMES [--split S] [--limit N]
 *         [--seed 1] [--datasets-dir DIR])        JSON lines as batch mode reads them, or public benchmarks
 * consume --bootstrap HOST:PORT --topic T --expect N [--timeout-s 120] [--ids-from queries.jsonl | --samples]
 *         [--trace-nodes N] [--out answers.jsonl]
 * compare --answers answers.jsonl --reference reference.jsonl|BATCH_OUTPUT_DIR
 * check-batch --output BATCH_OUTPUT_DIR --ids-from queries.jsonl [--dead-letters N]
 * schema query|answer|dead-letter                 the record's Avro schema, self-contained (for other languages)
 * </pre>
 * {@code consume} reads with read_committed and exits with status 1 unless exactly N answers arrived, one per query id
 * (and, given the queries, exactly their ids). Client settings (SASL/SSL) come from {@code MOA_KAFKA_*} like the job's.
 */
public final class QueriesCli {

    private QueriesCli() {}

    static final String USAGE = """
            usage: QueriesCli produce --bootstrap B --topic T (--file F | --samples | --dataset NAMES [--split S]
                                      [--limit N] [--datasets-dir D])
                   QueriesCli consume --bootstrap B --topic T --expect N [--timeout-s S] [--ids-from F | --samples]
                                      [--trace-nodes N] [--out F]
                   QueriesCli compare --answers F --reference F|DIR
                   QueriesCli check-batch --output DIR --ids-from F [--dead-letters N]
                   QueriesCli schema query|answer|dead-letter

            produce   writes queries (Avro single-object encoding, key = query id) to the topic:
                        --file F        JSON lines {"id", "text", "choices", "task_type", "gold"}
                        --samples       the bundled sample queries
                        --dataset NAMES comma-separated public benchmarks (deploy/datasets), with --split, --limit,
                                        --datasets-dir
            consume   reads answers with read_committed; exits 1 unless exactly N arrived, one per query id
                        --expect N      answers to wait for
                        --timeout-s S   how long to wait (default 120)
                        --ids-from F    the query file whose ids must be answered (or --samples)
                        --trace-nodes N every answer's trace must hold N nodes (complete traces)
                        --out F         also writes the answers as JSON lines
            schema    prints a record's Avro schema with every type it uses inlined, as a registry or another
                      language's Avro library takes it
            compare   compares the extracted answers of two answers files query by query (this tool's --out, or
                      batch mode's answers file); exits 1 unless they are the same
            --bootstrap B   Kafka bootstrap servers; client security settings come from MOA_KAFKA_* variables
            --help          this text
            """;

    /** The self-contained Avro schema of a wire record: query, answer or dead-letter. */
    static String schema(String record) {
        return switch (record) {
            case "query" -> Query.getClassSchema().toString(true);
            case "answer" -> Answer.getClassSchema().toString(true);
            case "dead-letter" -> dev.moaflink.schema.DeadLetter.getClassSchema().toString(true);
            default -> throw new IllegalArgumentException("schema: expected query, answer or dead-letter, got '"
                    + record + "'");
        };
    }

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        if (args.length == 0) {
            usage("missing command");
        }
        if (args[0].equals("schema")) {
            try {
                System.out.println(schema(args.length > 1 ? args[1] : ""));
            } catch (IllegalArgumentException e) {
                usage(e.getMessage());
            }
            return;
        }
        Map<String, String> o = new HashMap<>();
        boolean samples = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--samples")) {
                samples = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                o.put(args[i].substring(2), args[++i]);
            } else {
                usage("unexpected argument " + args[i]);
            }
        }
        if (args[0].equals("compare")) {
            compare(Path.of(require(o, "answers")), Path.of(require(o, "reference")));
            return;
        }
        if (args[0].equals("check-batch")) {
            checkBatch(require(o, "output"), QueryFiles.read(Path.of(require(o, "ids-from"))),
                    Integer.parseInt(o.getOrDefault("dead-letters", "0")));
            return;
        }
        KafkaConnection c = connection(require(o, "bootstrap"));
        String topic = require(o, "topic");
        List<Query> queries = samples ? QueryFiles.samples()
                : o.containsKey("dataset") ? dev.moaflink.deploy.datasets.Datasets.load(
                        dev.moaflink.deploy.datasets.Datasets.root(o.get("datasets-dir")), o.get("dataset"),
                        o.get("split"), Integer.parseInt(o.getOrDefault("limit", "0")),
                        Long.parseLong(o.getOrDefault("seed", "1")))
                : o.containsKey("file") ? QueryFiles.read(Path.of(o.get("file")))
                : o.containsKey("ids-from") ? QueryFiles.read(Path.of(o.get("ids-from"))) : null;
        switch (args[0]) {
            case "produce" -> {
                if (queries == null) {
                    usage("produce needs --file, --samples or --dataset");
                }
                try (QueryProducer p = new QueryProducer(c, topic)) {
                    queries.forEach(p::send);
                    p.flush();
                }
                System.out.println("produced " + queries.size() + " queries to " + topic);
            }
            case "consume" -> {
                int expect = Integer.parseInt(require(o, "expect"));
                Duration timeout = Duration.ofSeconds(Long.parseLong(o.getOrDefault("timeout-s", "120")));
                Map<String, Integer> seen = new HashMap<>();
                try (AnswerReader<Answer> r = new AnswerReader<>(c, topic, Answer.class)) {
                    List<Answer> answers = new java.util.ArrayList<>(r.read(expect, timeout, a -> { }));
                    answers.addAll(r.drain(Duration.ofSeconds(3)));
                    answers.forEach(a -> seen.merge(a.getQueryId(), 1, Integer::sum));
                    int correct = (int) answers.stream().filter(a -> Boolean.TRUE.equals(a.getCorrect())).count();
                    long degraded = answers.stream().filter(Answer::getDegraded).count();
                    long dups = seen.values().stream().filter(n -> n > 1).count();
                    System.out.printf("answers %d, distinct %d, duplicated %d, degraded %d, correct %d%n",
                            answers.size(), seen.size(), dups, degraded, correct);
                    boolean ok = answers.size() == expect && seen.size() == expect && dups == 0;
                    System.out.println("nodes stopped: " + AnswerChecks.cancelledNodes(answers));
                    if (o.containsKey("trace-nodes")) {
                        List<String> incomplete = AnswerChecks.incompleteTraces(answers,
                                Integer.parseInt(o.get("trace-nodes")));
                        if (!incomplete.isEmpty()) {
                            System.err.println("incomplete traces: " + incomplete);
                            ok = false;
                        }
                    }
                    if (o.containsKey("out")) {
                        AnswerChecks.write(answers, Path.of(o.get("out")));
                    }
                    if (queries != null) {
                        java.util.Set<String> ids = new java.util.HashSet<>();
                        queries.forEach(q -> ids.add(q.getId()));
                        ok &= ids.equals(seen.keySet());
                    }
                    if (!ok) {
                        System.err.println("FAILED: expected exactly " + expect + " answers, one per query");
                        System.exit(1);
                    }
                }
            }
            default -> usage("unknown command " + args[0]);
        }
    }

    /**
     * A finished batch run's committed output holds exactly one answer per query of {@code queries} and nothing else,
     * and {@code deadLetters} dead letters; its summary counts the same.
     */
    private static void checkBatch(String output, List<Query> queries, int deadLetters) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (String line : new BatchOutput(output).answerLines()) {
            seen.merge(AnswerChecks.queryId(line), 1, Integer::sum);
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        queries.forEach(q -> ids.add(q.getId()));
        long dups = seen.values().stream().filter(n -> n > 1).count();
        BatchReport summary = BatchReport.read(output);
        int dead = new BatchOutput(output).deadLetterLines().size();
        System.out.printf("batch output: %d answers, %d distinct, %d duplicated, %d dead letters; summary: %d answers, "
                        + "%d dead letters%n", seen.values().stream().mapToInt(Integer::intValue).sum(), seen.size(),
                dups, dead, summary.overall().answers(), summary.deadLetters());
        if (!seen.keySet().equals(ids) || dups > 0 || summary.overall().answers() != ids.size() || dead != deadLetters
                || summary.deadLetters() != deadLetters) {
            System.err.println("FAILED: expected exactly one answer per query (" + ids.size() + ") and " + deadLetters
                    + " dead letters in " + output);
            System.exit(1);
        }
    }

    private static void compare(Path answers, Path reference) {
        List<String> diff = AnswerChecks.differences(AnswerChecks.extracted(answers),
                AnswerChecks.extracted(reference));
        if (!diff.isEmpty()) {
            System.err.println("FAILED: " + diff.size() + " answers differ from the reference: " + diff);
            System.exit(1);
        }
        System.out.println("answers match the reference (" + AnswerChecks.extracted(reference).size() + " queries)");
    }

    static KafkaConnection connection(String bootstrap) {
        return KafkaConnection.of(bootstrap).withClientProperties(
                dev.moaflink.job.config.KafkaClientProperties.fromEnvironment(System.getenv()));
    }

    private static String require(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            usage("--" + key + " is required");
        }
        return v;
    }

    private static void usage(String problem) {
        System.err.print(problem + "\n" + USAGE);
        System.exit(2);
    }
}
