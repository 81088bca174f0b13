package dev.moaflink.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.moaflink.deploy.datasets.Datasets;
import dev.moaflink.job.MoaJob;
import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.config.Variant;
import dev.moaflink.job.batch.BatchOutput;
import dev.moaflink.job.batch.BatchReport;
import dev.moaflink.job.batch.BatchRun;
import dev.moaflink.schema.Query;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;

/**
 * Batch scoring over public benchmarks: loads datasets (see {@link dev.moaflink.deploy.datasets.Dataset}), runs the
 * job in batch mode once per variant on a local Flink MiniCluster with a progress bar, and writes an accuracy and
 * latency report per dataset and variant plus a timeline page per variant.
 *
 * <pre>
 * deploy/score.sh --dataset arc-easy,gsm8k [--split S] [--limit 50] [--seed 1] [--variants dense,tree,bypass-067]
 *                 [--datasets-dir DIR] [--out target/score] [--timeline-queries 12] [job flags, e.g. --preset sim]
 * </pre>
 * Unknown {@code --key value} pairs are job configuration flags, applied before each variant's overrides.
 * Writes {@code OUT/queries.jsonl}, each variant's batch output in {@code OUT/VARIANT/} (answers/, dead-letters/,
 * summary.json, timeline.html),
 * {@code OUT/score.json} and {@code OUT/score.md}. Exits 1 when a variant's run fails or loses answers.
 */
public final class ScoreCli {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Options of the CLI itself; everything else is passed to the job. */
    record Options(String datasets, String split, int limit, long seed, String variants, String datasetsDir,
                   Path out, int timelineQueries, String dense, String tree, List<String> jobFlags) {

        static Options parse(String[] args) {
            Map<String, String> o = new LinkedHashMap<>();
            List<String> job = new ArrayList<>();
            Set<String> own = Set.of("dataset", "split", "limit", "seed", "variants", "datasets-dir", "out",
                    "timeline-queries", "dense", "tree");
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --key value pairs; got '" + a + "'");
                }
                String key = a.substring(2);
                if (own.contains(key)) {
                    o.put(key, args[++i]);
                } else {
                    job.add(a);
                    job.add(args[++i]);
                }
            }
            if (!o.containsKey("dataset")) {
                throw new IllegalArgumentException("--dataset is required (comma-separated; known: "
                        + java.util.Arrays.stream(dev.moaflink.deploy.datasets.Dataset.values())
                                .map(dev.moaflink.deploy.datasets.Dataset::id).toList() + ")");
            }
            return new Options(o.get("dataset"), o.get("split"), Integer.parseInt(o.getOrDefault("limit", "50")),
                    Long.parseLong(o.getOrDefault("seed", "1")), o.getOrDefault("variants", "dense,tree,bypass-067"),
                    o.get("datasets-dir"), Path.of(o.getOrDefault("out", "target/score")),
                    Integer.parseInt(o.getOrDefault("timeline-queries", "12")),
                    o.getOrDefault("dense", "dense-9-9-1"), o.getOrDefault("tree", "tree-9-3-1"), List.copyOf(job));
        }
    }

    /** One variant's run: its report, or the reason it failed. */
    record VariantRun(Variant variant, double wallS, int answers, int deadLetters, BatchReport report,
                      String timeline, String error) {}

    private ScoreCli() {}

    static final String USAGE = """
            usage: deploy/score.sh --dataset NAMES [--split S] [--limit 50] [--seed 1] [--variants dense,tree,bypass-067]
                                   [--datasets-dir DIR] [--out target/score] [--timeline-queries 12]
                                   [--dense dense-9-9-1] [--tree tree-9-3-1] [job flags, e.g. --preset sim]

            Scores the job in batch mode on public benchmarks (a local MiniCluster), once per variant.
              --dataset NAMES        comma-separated datasets (see deploy/datasets; their files under ../shared/datasets)
              --split S              dataset split (default: each dataset's test split)
              --limit N              questions per dataset (default 50)
              --seed N               sampling seed (default 1)
              --variants LIST        comma-separated: dense, tree, tree-overlap, tree-overlap-ee, bypass-1,
                                     bypass-067, ee-never, or all (default dense,tree,bypass-067)
              --datasets-dir DIR     where the datasets are (else MOA_DATASETS_DIR, else ../shared/datasets)
              --out DIR              reports, answers and timelines (default target/score)
              --timeline-queries N   queries per timeline page (default 12)
              --dense T, --tree T    the topologies the variants use
              --help                 this text
            Any other --key value is a job configuration flag (docs/CONFIGURATION.md). Exits 1 when a variant fails or
            loses answers.
            """;

    public static void main(String[] args) {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        try {
            System.exit(run(Options.parse(args)));
        } catch (IllegalArgumentException e) {
            System.err.println("score: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("score failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs every variant and writes the reports; 0 when every variant answered every query. */
    static int run(Options o) throws Exception {
        List<Variant> variants = Variant.select(Variant.standard(o.dense(), o.tree()), o.variants());
        Path root = Datasets.root(o.datasetsDir());
        List<Query> queries = Datasets.load(root, o.datasets(), o.split(), o.limit(), o.seed());
        Files.createDirectories(o.out());
        Path input = o.out().resolve("queries.jsonl").toAbsolutePath();
        QueryFiles.write(input, queries);
        System.out.printf("score: %d queries from %s (%s, split %s, limit %d per dataset) in %s; variants %s%n",
                queries.size(), o.datasets(), root, o.split() == null ? "default" : o.split(), o.limit(), input,
                variants.stream().map(Variant::slug).toList());

        List<VariantRun> runs = new ArrayList<>();
        for (Variant v : variants) {
            runs.add(runVariant(o, v, input, queries.size()));
        }
        write(o, queries.size(), runs);
        boolean ok = runs.stream().allMatch(r -> r.error() == null);
        System.out.println("score: report " + o.out().resolve("score.md") + (ok ? "" : " (a variant FAILED)"));
        return ok ? 0 : 1;
    }

    private static VariantRun runVariant(Options o, Variant v, Path input, int expected) {
        Path dir = o.out().resolve(v.slug()).toAbsolutePath();
        long t0 = System.nanoTime();
        try {
            new BatchOutput(dir.toString()).delete(); // each score run starts over
            List<String> flags = new ArrayList<>(o.jobFlags());
            flags.addAll(v.flags());
            flags.addAll(List.of("--mode", "batch", "--batch.input", input.toString(), "--batch.output",
                    dir.toString(), "--job_name", "score-" + v.slug()));
            JobConfig config = ConfigLoader.fromArgs(flags.toArray(String[]::new));
            JobClient job = LocalJob.start(config);
            BatchReport report = BatchRun.follow(job, config, String.format(Locale.ROOT, "%-16s", v.name()),
                    System.err);
            int n = (int) report.answeredThisRun();
            int dead = (int) report.deadLetters();
            String timeline = timeline(dir, dir.resolve("timeline.html"), o.timelineQueries());
            double wall = (System.nanoTime() - t0) / 1e9;
            String error = n + dead == expected ? null
                    : (expected - n - dead) + " of " + expected + " queries neither answered nor dead-lettered";
            System.out.printf(Locale.ROOT, "%-24s %d answers, %d dead letters, accuracy %s, p50 %.0f ms, %.1f s%n",
                    v.name(), n, dead, pct(report.overall().accuracy()), report.overall().latencyP50Ms(), wall);
            return new VariantRun(v, wall, n, dead, report, timeline, error);
        } catch (Exception | LinkageError e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            System.err.println("score: variant " + v.name() + " FAILED: " + cause);
            return new VariantRun(v, (System.nanoTime() - t0) / 1e9, 0, 0, null, null, cause.toString());
        }
    }

    /** Draws the first {@code queries} answers' timelines; returns the page's file name, or null when none. */
    private static String timeline(Path answers, Path page, int queries) throws IOException {
        if (queries <= 0) {
            return null;
        }
        List<JsonNode> first = TimelineAnswers.read(answers, queries, null);
        if (first.isEmpty()) {
            return null;
        }
        String title = answers.getFileName().toString();
        Files.writeString(page, TimelinePage.html(title, first), StandardCharsets.UTF_8);
        return page.getParent().getFileName() + "/" + page.getFileName();
    }

    private static void write(Options o, int queries, List<VariantRun> runs) throws IOException {
        Set<String> datasets = new LinkedHashSet<>();
        boolean simulated = false;
        for (VariantRun r : runs) {
            if (r.report() != null) {
                datasets.addAll(r.report().byDataset().keySet());
                simulated |= r.report().simulated();
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("datasets", o.datasets());
        json.put("split", o.split() == null ? "default" : o.split());
        json.put("limit_per_dataset", o.limit());
        json.put("seed", o.seed());
        json.put("queries", queries);
        json.put("job_flags", String.join(" ", o.jobFlags()));
        json.put("simulated", simulated);
        List<Map<String, Object>> vs = new ArrayList<>();
        for (VariantRun r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.variant().name());
            m.put("slug", r.variant().slug());
            m.put("overrides", r.variant().describe());
            m.put("wall_s", Math.round(r.wallS() * 10) / 10.0);
            m.put("answers", r.answers());
            m.put("dead_letters", r.deadLetters());
            m.put("error", r.error());
            m.put("timeline", r.timeline());
            m.put("report", r.report());
            vs.add(m);
        }
        json.put("variants", vs);
        JSON.writeValue(o.out().resolve("score.json").toFile(), json);
        Files.writeString(o.out().resolve("score.md"), markdown(o, queries, runs, datasets, simulated));
    }

    static String markdown(Options o, int queries, List<VariantRun> runs, Set<String> datasets, boolean simulated) {
        StringBuilder md = new StringBuilder("# Batch scoring\n\n");
        md.append(String.format(Locale.ROOT, "%d queries: %s, split %s, at most %d per dataset (seed %d). Job flags: "
                        + "`%s`.%n%n", queries, o.datasets(), o.split() == null ? "default" : o.split(), o.limit(),
                o.seed(), o.jobFlags().isEmpty() ? "(defaults)" : String.join(" ", o.jobFlags())));
        if (simulated) {
            md.append("**Simulated engine**: answers and latencies come from simulated models, not real inference."
                    + "\n\n");
        }
        md.append("Accuracy (correct ÷ answers with gold; dead-lettered queries are not in these counts: see the dead letters column):\n\n| dataset |");
        runs.forEach(r -> md.append(' ').append(r.variant().name()).append(" |"));
        md.append("\n|---|");
        runs.forEach(r -> md.append("---:|"));
        md.append('\n');
        List<String> rows = new ArrayList<>(datasets);
        rows.add("all");
        for (String d : rows) {
            md.append("| ").append(d.equals("all") ? "**all**" : d).append(" |");
            for (VariantRun r : runs) {
                BatchReport.Group g = group(r, d);
                md.append(' ').append(g == null ? "–" : String.format(Locale.ROOT, "%s (%d/%d)", pct(g.accuracy()),
                        g.correct(), g.withGold())).append(" |");
            }
            md.append('\n');
        }
        md.append("\n| variant | answers | dead letters | degraded | p50 ms | p95 ms | wall s | timeline | overrides |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (VariantRun r : runs) {
            if (r.report() == null) {
                md.append("| ").append(r.variant().name()).append(" | FAILED: ").append(r.error())
                        .append(" | | | | | | | |\n");
                continue;
            }
            BatchReport.Group g = r.report().overall();
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.0f | %.0f | %.1f | %s | %s |%n",
                    r.variant().name(), r.answers(), r.deadLetters(), g.degraded(), g.latencyP50Ms(),
                    g.latencyP95Ms(), r.wallS(), r.timeline() == null ? "–" : "[html](" + r.timeline() + ")",
                    r.variant().describe()));
        }
        return md.toString();
    }

    private static BatchReport.Group group(VariantRun r, String dataset) {
        if (r.report() == null) {
            return null;
        }
        return dataset.equals("all") ? r.report().overall() : r.report().byDataset().get(dataset);
    }

    private static String pct(Double accuracy) {
        return accuracy == null ? "–" : String.format(Locale.ROOT, "%.1f%%", accuracy * 100);
    }
}
