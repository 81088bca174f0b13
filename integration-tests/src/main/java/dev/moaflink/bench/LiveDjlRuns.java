package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.QueryFiles;
import dev.moaflink.job.config.Variant;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import dev.moaflink.schema.Query;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * The {@code faster-moa} variants on the bundled tiny models and the DJL engine (CPU), live: all variants' streaming
 * jobs run side by side on one MiniCluster and one in-JVM broker, and the queries go to them in turn: query i to
 * every variant (the order rotating with i), each time one query in the whole JVM, the next sent when its answer has
 * arrived. So no query queues behind another, and whatever drifts during the run (JIT, caches, the machine's other
 * load) is spread over the variants alike instead of favouring the last ones. Every variant gets the same query ids:
 * each job stops its agents through a backchannel of its own run, so no per-query state is shared across jobs.
 */
final class LiveDjlRuns {

    private static final String SUITE = "/dev/moaflink/models/suite-test.jsonl";

    private LiveDjlRuns() {}

    static EngineRun run(Path dir, List<Variant> variants, List<String[]> extra, int n) throws Exception {
        long t0 = System.nanoTime();
        List<String> suite;
        try (InputStream in = LiveDjlRuns.class.getResourceAsStream(SUITE)) {
            if (in == null) {
                throw new IllegalStateException(SUITE + " is not on the classpath (module moa-models)");
            }
            suite = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
        if (n < 1 || n >= suite.size()) {
            throw new IllegalArgumentException("--djl-queries must be in [1, " + (suite.size() - 1) + "]");
        }
        Path input = dir.resolve("djl-queries.jsonl");
        Files.write(input, suite.subList(0, n));
        Path warmFile = dir.resolve("djl-warmup-query.jsonl");
        Files.write(warmFile, suite.subList(n, n + 1)); // a held-out question outside the measured set
        List<Query> queries = QueryFiles.read(input);
        Query warm = QueryFiles.read(warmFile).get(0);

        List<LiveJob> jobs = new ArrayList<>();
        MiniClusterConfiguration cluster = new MiniClusterConfiguration.Builder()
                .setConfiguration(BenchFlink.configuration()).setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(2 * variants.size() + 2).build();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); MiniCluster flink = new MiniCluster(cluster)) {
            flink.start();
            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
            try {
                for (Variant v : variants) {
                    LiveJob j = new LiveJob(v, dir.resolve("djl-" + v.slug() + ".jsonl"));
                    jobs.add(j);
                    warmUp(j, kafka, connection, flink, extra, warm);
                }
                interleave(jobs, queries);
            } finally {
                jobs.forEach(LiveJob::stop); // while the MiniCluster still runs
            }
        }
        List<VariantOutcome> outcomes = new ArrayList<>();
        for (LiveJob j : jobs) {
            VariantOutcome o = j.outcome();
            outcomes.add(o);
            o.print("djl");
        }
        return new EngineRun("djl", false, n, "bundled tiny models, DJL engine (PyTorch, CPU), wall clock", outcomes,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Starts a variant's job and sends it one uncounted query (job start, model loading, first JIT work), its id
     * marked {@code warmup-} so that it can never be one the job later drops as a duplicate.
     */
    private static void warmUp(LiveJob j, EmbeddedKafka kafka, KafkaConnection connection, MiniCluster flink,
                               List<String[]> extra, Query warm) {
        long v0 = System.nanoTime();
        try {
            j.start(kafka, connection, flink, extra);
            System.out.printf("[faster-moa] djl %s: job running, warm-up query%n", j.variant.name());
            j.ask(Query.newBuilder(warm).setId("warmup-" + warm.getId()).build(), Duration.ofMinutes(10));
        } catch (Exception | LinkageError e) {
            j.fail(e);
        }
        j.busyS = (System.nanoTime() - v0) / 1e9;
    }

    /** Query i to every live variant in turn, starting one further along for each i; one query in flight. */
    private static void interleave(List<LiveJob> jobs, List<Query> queries) {
        int n = queries.size();
        System.out.printf("[faster-moa] djl: %d queries to each of %d variants in turn, one in flight%n", n,
                jobs.stream().filter(j -> j.failure == null).count());
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < jobs.size(); k++) {
                LiveJob j = jobs.get((i + k) % jobs.size());
                if (j.failure != null) {
                    continue;
                }
                long q0 = System.nanoTime();
                try {
                    j.answers.add(AvroJson.of(j.ask(queries.get(i), Duration.ofMinutes(5))));
                    j.roundTrips.add((System.nanoTime() - q0) / 1e6);
                } catch (Exception e) {
                    j.fail(e);
                }
            }
            if ((i + 1) % 8 == 0 || i + 1 == n) {
                StringBuilder progress = new StringBuilder();
                for (LiveJob j : jobs) {
                    if (j.failure == null) {
                        progress.append(String.format(Locale.ROOT, " %s %.0f,", j.variant.slug(),
                                VariantMetrics.of(j.answers).p50Ms()));
                    }
                }
                System.out.printf("[faster-moa] djl %d/%d queries; p50 ms so far:%s%n", i + 1, n, progress);
            }
        }
    }
}
