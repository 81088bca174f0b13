package dev.moaflink.bench;

import dev.moaflink.connectors.kafka.KafkaConnection;
import dev.moaflink.deploy.LocalJob;
import dev.moaflink.deploy.QueryProducer;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Soak: the streaming job as a local run starts it (exactly-once, checkpoints every second to files, restarts on
 * failure, the job's default limits, tree 9-3-1) on the <b>simulated</b> engine in real time. First the sustainable
 * rate: a closed loop keeps the job saturated for {@code --calibration-seconds} and the answer rate over its last
 * two thirds is it. Then open-loop phases: {@code --load} of it for {@code --minutes}, {@code --overload-factor} of
 * it for {@code --overload-minutes}, {@code --recovery-load} for {@code --recovery-minutes} ({@link SoakDriver}).
 * Every 5 s: rates, the job's Kafka lag, the checkpoints (Flink's REST API), latency ({@link SoakSampler}); a
 * read_committed reader checks every answer's id ({@link SoakReader}). Kafka (in-JVM broker), the MiniCluster,
 * producer and reader share this JVM and its two cores.
 */
final class SoakBench implements Bench.Runner {

    /** The phases' rates (as fractions of the sustainable rate) and lengths. */
    record Plan(int calibrationSeconds, double minutes, double load, double overloadFactor, double overloadMinutes,
                double recoveryLoad, double recoveryMinutes) {}

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        double minutes = Double.parseDouble(o.string("minutes", "3"));
        double load = Double.parseDouble(o.string("load", "0.8"));
        double overload = Double.parseDouble(o.string("overload-factor", "2"));
        double overloadMinutes = Double.parseDouble(o.string("overload-minutes", "2"));
        double recoveryLoad = Double.parseDouble(o.string("recovery-load", "0.5"));
        double recoveryMinutes = Double.parseDouble(o.string("recovery-minutes", "5"));
        int calibrationSeconds = o.integer("calibration-seconds", 60);
        Plan plan = new Plan(calibrationSeconds, minutes, load, overload, overloadMinutes, recoveryLoad,
                recoveryMinutes);
        String window = o.string("duplicate-window-ms", null);
        String topology = o.string("topology", "tree-9-3-1");
        // "jobmanager" reproduces the setup before local runs checkpointed to files (5 MB in the JobManager's memory).
        String storage = o.string("checkpoint-storage", "filesystem");

        EmbeddedKafka kafka = EmbeddedKafka.builder()
                // Bounded disk, but queries wait out an overload phase: segments of 32 MB kept for 30 minutes.
                .brokerProperty("log.segment.bytes", String.valueOf(32 << 20))
                .brokerProperty("log.retention.ms", "1800000")
                .start();
        try (kafka) {
            KafkaConnection connection = KafkaConnection.of(kafka.bootstrapServers());
            String s = UUID.randomUUID().toString().substring(0, 8);
            String qTopic = "soak-q-" + s;
            String aTopic = "soak-a-" + s;
            kafka.createTopics(1, qTopic, aTopic, "soak-d-" + s);
            JobArgs args = JobArgs.kafka(kafka.bootstrapServers(), qTopic, aTopic, "soak-d-" + s)
                    .set("default_topology", topology)
                    .set("kafka.group_id", "soak-" + s)
                    .simOption("decode_tps", 2000).simOption("prefill_tps", 50000).simOption("overhead_ms", 1)
                    .simOption("output_mean_tokens", 24).simOption("output_p95_tokens", 48);
            if (window != null) {
                args.set("limits.duplicate_window_ms", window);
            }
            JobConfig config = ConfigLoader.fromArgs(args.toArray());
            int port = FlinkRest.freePort();
            Path runDir = LocalJob.runDirectory("soak");
            Configuration flink = LocalJob.flinkConfiguration(config, runDir, port);
            flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, storage);
            SoakJob job = new SoakJob(LocalJob.start(config, flink));
            SoakReader reader = new SoakReader(connection, aTopic);
            SoakDriver driver = new SoakDriver(job, reader);
            SoakSampler sampler = new SoakSampler(job, new FlinkRest(port), connection, config.kafka().groupId(),
                    reader, driver);
            Thread readerThread = new Thread(reader, "soak-reader");
            readerThread.start();
            Thread samplerThread = new Thread(sampler, "soak-monitor");
            samplerThread.start();

            double sustained = 0;
            boolean drained = false;
            try (QueryProducer producer = new QueryProducer(connection, qTopic)) {
                sustained = driver.calibrate(producer, plan.calibrationSeconds());
                System.out.printf(Locale.ROOT, "[soak] sustainable rate %.0f queries/s%n", sustained);
                reader.await(driver.produced(), Duration.ofMinutes(3), job::failed);
                driver.offer(producer, "soak", plan.load() * sustained, plan.minutes() * 60);
                driver.offer(producer, "overload", plan.overloadFactor() * sustained, plan.overloadMinutes() * 60);
                driver.offer(producer, "recovery", plan.recoveryLoad() * sustained, plan.recoveryMinutes() * 60);
                producer.flush();
                drained = reader.await(driver.produced(), Duration.ofMinutes(5), job::failed);
                Thread.sleep(3_000); // anything after the last expected answer would be a duplicate
            } finally {
                sampler.stop();
                samplerThread.join(30_000);
                reader.stop();
                readerThread.join(30_000);
                job.cancel();
                sampler.close();
            }
            return SoakReport.of(new SoakReport.Run(config, storage, topology, plan, sustained, drained, job, driver,
                    sampler, reader));
        }
    }
}
