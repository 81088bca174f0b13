package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.batch.BatchReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batch benchmark's runs on the local standalone cluster ({@code deploy/local}): a JobManager and two TaskManager
 * JVMs, the job jar through Flink's CLI; parallelism 1, parallelism 2, and parallelism 2 with TaskManager 1 killed
 * (kill -9) a third of the way through and a replacement started.
 */
final class BatchCluster {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param failover what the kill run saw: lines at the kill, answers, distinct ids, summary answers */
    record Result(double p1PerS, double p2PerS, boolean failoverExactlyOnce, Map<String, Object> failover) {}

    private final Path root;
    private final Path dir;
    private final FlinkRest rest = new FlinkRest(Integer.parseInt(
            System.getenv().getOrDefault("MOA_FLINK_REST_PORT", "8081")));
    /** What the kill run saw (filled by {@link #exactlyOnce}). */
    private final Map<String, Object> failover = new LinkedHashMap<>();

    BatchCluster(Path root, Path dir) {
        this.root = root;
        this.dir = dir;
    }

    Result run(JobArgs engine, List<String> lines) throws Exception {
        Path input = dir.resolve("cluster-queries.jsonl");
        Files.write(input, lines);
        script("deploy/local/flink.sh", "stop");
        script("deploy/local/flink.sh", "start", "2");
        try {
            double p1 = rateOf(await(submit(engine, input, "cluster-p1", 1)), "cluster-p1", lines.size());
            double p2 = rateOf(await(submit(engine, input, "cluster-p2", 2)), "cluster-p2", lines.size());
            String job = submit(engine, input, "cluster-failover", 2);
            long atKill = waitForProcessed(job, lines.size() / 3);
            Path pid = root.resolve("target/local/taskmanager-1.pid");
            new ProcessBuilder("kill", "-9", Files.readString(pid).strip()).inheritIO().start().waitFor();
            Files.delete(pid);
            System.out.println("[batch] killed TaskManager 1 after " + atKill + " lines");
            script("deploy/local/flink.sh", "add-taskmanager");
            await(job);
            return new Result(p1, p2, exactlyOnce(lines, atKill), failover);
        } finally {
            script("deploy/local/flink.sh", "stop");
        }
    }

    /** Every query answered once in the committed output of the kill run, and the summary counts the same. */
    private boolean exactlyOnce(List<String> lines, long atKill) throws Exception {
        BatchOutput out = new BatchOutput(dir.resolve("cluster-failover").toString());
        Map<String, Integer> seen = new HashMap<>();
        for (String line : out.answerLines()) {
            seen.merge(JSON.readTree(line).path("query_id").asText(), 1, Integer::sum);
        }
        long answers = seen.values().stream().mapToInt(Integer::intValue).sum();
        BatchReport summary = BatchReport.read(out.directory());
        failover.put("killed_after_lines", atKill);
        failover.put("answers", answers);
        failover.put("distinct", seen.size());
        failover.put("summary_answers", summary.overall().answers());
        failover.put("dead_letters", out.deadLetterLines().size());
        return atKill < lines.size() && answers == lines.size() && seen.size() == lines.size()
                && summary.overall().answers() == lines.size() && out.deadLetterLines().isEmpty();
    }

    private String submit(JobArgs engine, Path input, String name, int parallelism) throws Exception {
        Path out = dir.resolve(name);
        new BatchOutput(out.toString()).delete();
        List<String> cmd = new ArrayList<>(List.of("bash", "deploy/local/submit.sh"));
        cmd.addAll(List.of(engine.toArray()));
        cmd.addAll(List.of("--mode", "batch", "--batch.input", input.toString(), "--batch.output", out.toString(),
                "--default_topology", "tree-9-3-1", "--parallelism", String.valueOf(parallelism),
                "--job_name", "batch-" + name));
        Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("submit.sh failed: " + output);
        }
        String[] lines = output.strip().split("\n");
        String job = lines[lines.length - 1].strip();
        System.out.printf("[batch] %s: job %s at parallelism %d%n", name, job, parallelism);
        return job;
    }

    /** Waits for the job to finish (FAILED or CANCELED is an error); returns its id. */
    private String await(String job) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (System.nanoTime() < deadline) {
            String state = rest.get("/jobs/" + job).path("state").asText();
            if (state.equals("FINISHED")) {
                return job;
            }
            if (state.equals("FAILED") || state.equals("CANCELED")) {
                throw new IllegalStateException("batch job " + job + " " + state);
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("batch job " + job + " did not finish in 10 minutes");
    }

    /** Waits until the job's counters show at least {@code lines} input lines handled; returns the count seen. */
    private long waitForProcessed(String job, long lines) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            long n = 0;
            for (JsonNode a : rest.get("/jobs/" + job + "/accumulators").path("user-task-accumulators")) {
                if (a.path("name").asText().startsWith("moa-batch-")) {
                    n += a.path("value").asLong();
                }
            }
            if (n >= lines) {
                return n;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("batch job " + job + " handled fewer than " + lines + " lines in 5 minutes");
    }

    private double rateOf(String job, String name, int expected) throws Exception {
        List<String> answers = new BatchOutput(dir.resolve(name).toString()).answerLines();
        if (answers.size() != expected) {
            throw new IllegalStateException(job + ": " + answers.size() + " answers for " + expected + " queries");
        }
        double rate = BatchBench.rateOfAnswers(answers);
        System.out.printf("[batch] %s: %.2f queries/s%n", name, rate);
        return rate;
    }

    private void script(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("bash"));
        c.addAll(List.of(cmd));
        int rc = new ProcessBuilder(c).directory(root.toFile()).inheritIO().start().waitFor();
        if (rc != 0 && !cmd[cmd.length - 1].equals("stop")) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc);
        }
    }
}
