package dev.moaflink.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Runs one benchmark: {@code Bench NAME [--key value ...]}, from the repository root (deploy/bench.sh). Each
 * writes target/bench/NAME.json and NAME.md and compares its variants within the same run.
 */
public final class Bench {

    /** A benchmark program. */
    public interface Runner {
        BenchReport run(Options options) throws Exception;
    }

    private static final Map<String, Runner> RUNNERS = Map.ofEntries(Map.entry("overhead", new OverheadBench()),
            Map.entry("engine", new EngineBench()), Map.entry("placement", new PlacementBench()),
            Map.entry("faster-moa", new FasterMoaBench()), Map.entry("soak", new SoakBench()),
            Map.entry("state", new StateBench()), Map.entry("stop-path", new StopPathBench()),
            Map.entry("load", new LoadBench()), Map.entry("sampling", new SamplingBench()),
            Map.entry("batch", new BatchBench()), Map.entry("models", new ModelsBench()));

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--help")) {
            System.out.println("usage: deploy/bench.sh NAME [--key value ...]; NAME is one of "
                    + new TreeSet<>(RUNNERS.keySet()) + ". Each writes target/bench/NAME.json and NAME.md; its options "
                    + "and latest figures: docs/BENCHMARKS.md.");
            return;
        }
        if (args.length == 0 || !RUNNERS.containsKey(args[0])) {
            System.err.println("usage: deploy/bench.sh NAME [--key value ...]; NAME is one of "
                    + new TreeSet<>(RUNNERS.keySet()));
            System.exit(2);
        }
        Options options = Options.parse(args, 1);
        BenchReport report;
        try {
            report = RUNNERS.get(args[0]).run(options);
        } catch (Exception | Error e) {
            // A failed benchmark may leave a job, a broker or client threads running: exit instead of hanging.
            System.err.println("benchmark " + args[0] + " failed:");
            e.printStackTrace();
            System.exit(1);
            return;
        }
        options.requireAllUsed();
        Path json = report.write(Path.of(System.getProperty("moa.repo.root", ".")));
        System.out.println(report.markdownText());
        System.out.println("Wrote " + json.toAbsolutePath() + " (and .md)");
        System.exit(0);
    }

    /** {@code --key value} options; every option must be read by the benchmark, so typos fail loudly. */
    public static final class Options {
        private final Map<String, String> values = new HashMap<>();
        private final java.util.Set<String> used = new java.util.HashSet<>();

        static Options parse(String[] args, int from) {
            Options o = new Options();
            for (int i = from; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --key value pairs, got '" + args[i] + "'");
                }
                o.values.put(args[i].substring(2), args[i + 1]);
            }
            return o;
        }

        public int integer(String key, int fallback) {
            used.add(key);
            return values.containsKey(key) ? Integer.parseInt(values.get(key)) : fallback;
        }

        public String string(String key, String fallback) {
            used.add(key);
            return values.getOrDefault(key, fallback);
        }

        void requireAllUsed() {
            for (String k : values.keySet()) {
                if (!used.contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k + "; this benchmark reads " + used);
                }
            }
        }
    }
}
