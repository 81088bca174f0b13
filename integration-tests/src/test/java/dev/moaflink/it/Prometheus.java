package dev.moaflink.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;

/** Flink's Prometheus reporter on a free range of ports, and scrapes of what the JobManager and TaskManagers export. */
final class Prometheus {

    /** JobManager, TaskManager and spares: each reporter takes the first free port of the range. */
    private static final int PORTS = 5;

    private final int port = freePort();

    /** The Flink configuration that starts the reporter (a MiniCluster's, for every one of its processes). */
    Configuration reporter() {
        Configuration c = new Configuration();
        c.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.setString("metrics.reporter.prom.port", port + "-" + (port + PORTS - 1));
        return c;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One scrape of every reporter port that answers. */
    Metrics scrape() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        StringBuilder all = new StringBuilder();
        for (int p = port; p < port + PORTS; p++) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + p + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                all.append(r.body()).append('\n');
            } catch (IOException notListening) {
                // a port of the range nobody took
            }
        }
        return new Metrics(all.toString());
    }

    Metrics scrapeUntil(Predicate<Metrics> done, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        Metrics m = scrape();
        while (!done.test(m) && System.nanoTime() < end) {
            Thread.sleep(500);
            m = scrape();
        }
        return m;
    }

    /** A Prometheus text exposition, summed over label sets. */
    record Metrics(String text) {
        private static final String OPERATOR = "flink_taskmanager_job_task_operator_";

        /** Sum of the operator metric {@code name}'s samples whose labels include {@code key="value"} (if given). */
        long sum(String name, String... label) {
            return sumOf(OPERATOR, name, label);
        }

        /** Sum of the samples of {@code prefix + name} whose labels include {@code key="value"} (if given). */
        long sumOf(String prefix, String name, String... label) {
            double total = 0;
            for (String line : text.split("\n")) {
                if (matches(line, prefix, name, label)) {
                    total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return Math.round(total);
        }

        boolean has(String name, String... label) {
            return text.lines().anyMatch(l -> matches(l, OPERATOR, name, label));
        }

        boolean hasOf(String prefix, String name) {
            return text.lines().anyMatch(l -> matches(l, prefix, name, new String[0]));
        }

        private static boolean matches(String line, String prefix, String name, String[] label) {
            if (!line.startsWith(prefix)) {
                return false;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            int end = brace >= 0 && brace < space ? brace : space;
            String metric = line.substring(prefix.length(), end);
            if (!metric.equals(name) && !metric.endsWith("_" + name)) {
                return false;
            }
            // the reporter writes label values with every character outside [a-zA-Z0-9_:] as '_'
            return label.length == 0
                    || line.contains(label[0] + "=\"" + label[1].replaceAll("[^a-zA-Z0-9_:]", "_") + "\"");
        }
    }
}
