package dev.moaflink.bench;

import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;

/** The stop-path benchmark's JSON, markdown and chart. */
final class StopPathReport {

    private final StopLatency inJvm;
    private final StopLatency coordinator;
    private final StopLatency kafkaTopic;
    private final int queries;
    private final int rate;
    private final double wallS;

    StopPathReport(StopLatency inJvm, StopLatency coordinator, StopLatency kafkaTopic, int queries, int rate,
                   double wallS) {
        this.inJvm = inJvm;
        this.coordinator = coordinator;
        this.kafkaTopic = kafkaTopic;
        this.queries = queries;
        this.rate = rate;
        this.wallS = wallS;
    }

    BenchReport build() throws Exception {
        BenchReport r = new BenchReport("stop-path");
        Map<String, Object> paths = new LinkedHashMap<>();
        paths.put("in_jvm", StopPathBench.figures(inJvm));
        paths.put("coordinator", StopPathBench.figures(coordinator));
        paths.put("kafka_topic_round_trip", StopPathBench.figures(kafkaTopic));
        r.put("paths", paths);
        r.put("coordinator_p50_vs_kafka_topic", StopPathBench.round(coordinator.p50Us() / kafkaTopic.p50Us()));
        r.put("coordinator_p99_vs_kafka_topic", StopPathBench.round(coordinator.p99Us() / kafkaTopic.p99Us()));
        r.put("queries", queries);
        r.put("rate_per_s", rate);
        r.put("wall_s", StopPathBench.round(wallS));
        Path png = BenchCharts.png("stop-path");
        chart(png);
        r.md("# Benchmark `stop-path`: how fast a stop reaches the agent running the node\n\n")
                .md("From the collector's decision (early exit, settled bypass) to the stop applied where the node runs, "
                        + "on this machine (2 cores, one host; the JobManager, the TaskManager and the in-JVM Kafka "
                        + "broker share the JVM and the cores).\n\n")
                .md("| path | stops measured | p50 µs | p99 µs |\n|---|---:|---:|---:|\n")
                .md(row("in the collector's JVM (method call on the local channel)", inJvm))
                .md(row("Flink operator coordinators (collector → JobManager → agent TaskManager)", coordinator))
                .md(row("Kafka control topic, produce → consume only (the alternative's least cost)", kafkaTopic))
                .md("\nThe coordinator path was measured in a streaming job (MiniCluster, per-model agents, the "
                        + "**simulated** engine in real time, " + queries + " queries at " + rate + "/s, "
                        + "`mechanisms.stop_path: coordinator`, a 2-of-3 settled bypass and early exit over three "
                        + "experts, the slow one stopped) by the agents' `stopLatencyUs` histogram. Coordinator ÷ "
                        + "Kafka topic: p50 " + StopPathBench.round(coordinator.p50Us() / kafkaTopic.p50Us()) + "×, p99 "
                        + StopPathBench.round(coordinator.p99Us() / kafkaTopic.p99Us()) + "×. "
                        + String.format("%.0f s in all.%n%n", wallS))
                .md("Chart: `target/bench/stop-path.png` (p50 and p99 per path, log scale).\n");
        return r;
    }

    private static String row(String path, StopLatency l) {
        return String.format("| %s | %d | %.1f | %.1f |%n", path, l.count(), l.p50Us(), l.p99Us());
    }

    private void chart(Path png) throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<String, StopLatency> paths = new LinkedHashMap<>();
        paths.put("in the JVM", inJvm);
        paths.put("operator coordinators", coordinator);
        paths.put("Kafka topic (round trip only)", kafkaTopic);
        for (Map.Entry<String, StopLatency> e : paths.entrySet()) {
            data.addValue(e.getValue().p50Us(), "p50", e.getKey());
            data.addValue(e.getValue().p99Us(), "p99", e.getKey());
        }
        CategoryPlot plot = BenchCharts.bars(data, "stop path", "µs (log scale)", "#,##0.0");
        LogAxis log = new LogAxis("µs (log scale)");
        log.setSmallestValue(0.1);
        log.setTickUnit(new NumberTickUnit(1));
        log.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
        plot.setRangeAxis(log);
        BenchCharts.write(png, BenchCharts.chart("Stop latency, decision to the agent's cancel, by path", plot, true),
                900, 500);
    }
}
