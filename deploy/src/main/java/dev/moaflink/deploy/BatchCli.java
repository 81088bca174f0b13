package dev.moaflink.deploy;

import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.batch.BatchReport;
import dev.moaflink.job.batch.BatchRun;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batch scoring of your own file on a local Flink MiniCluster, with a progress bar:
 * <pre>deploy/batch.sh --input PATH --output DIR [--fresh] [job flags, e.g. --preset sim --parallelism 2]</pre>
 * PATH is a JSON-lines file, a directory or a glob on any Flink file system; DIR receives answers/, dead-letters/
 * and summary.json / summary.md. A run into a DIR that holds answers answers only the missing queries, unless
 * {@code --fresh} empties it first. The same job runs on a cluster with {@code flink run ... --mode batch
 * --batch.input PATH --batch.output DIR}. Exits 1 when an input line was neither answered nor dead-lettered.
 */
public final class BatchCli {

    static final String USAGE = """
            usage: deploy/batch.sh --input PATH --output DIR [--fresh] [--KEY VALUE ...]

            Scores a JSON-lines file ({"id", "text", "choices", "task_type", "gold"} per line) with the MoA job in
            batch mode on a local Flink MiniCluster, drawing a progress bar from the job's counters.
              --input PATH    a file, a directory or a glob (s3://, hdfs://, file paths: any Flink file system)
              --output DIR    answers/ and dead-letters/ (JSON-lines part files), summary.json, summary.md
              --fresh         empty DIR first; without it, queries DIR already answered are skipped
              --KEY VALUE     any job configuration key (--preset sim, --parallelism 2, --default_topology dense)
              --help          this text
            On a cluster: flink run -c dev.moaflink.job.MoaJob moa-flink-job.jar --mode batch --batch.input PATH
            --batch.output DIR [...]
            """;

    private BatchCli() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        List<String> flags = new ArrayList<>(List.of("--mode", "batch"));
        boolean fresh = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--input" -> flags.addAll(List.of("--batch.input", value(args, i++)));
                case "--output" -> flags.addAll(List.of("--batch.output", value(args, i++)));
                case "--fresh" -> fresh = true;
                default -> flags.add(args[i]);
            }
        }
        JobConfig config = ConfigLoader.fromArgs(flags.toArray(String[]::new));
        if (fresh) {
            new BatchOutput(config.batch().output()).delete();
        }
        long lines = BatchRun.inputLinesOf(config);
        BatchReport report = BatchRun.follow(LocalJob.start(config), config, "batch", System.err);
        System.out.println(BatchRun.describe(report, config.batch().output()));
        long handled = report.answeredThisRun() + report.skipped() + report.deadLetters();
        if (lines >= 0 && handled != lines) {
            System.err.println("batch: " + (lines - handled) + " of " + lines
                    + " input lines were neither answered nor dead-lettered");
            return 1;
        }
        return 0;
    }

    private static String value(String[] args, int i) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(args[i] + " needs a value");
        }
        return args[i + 1];
    }
}
