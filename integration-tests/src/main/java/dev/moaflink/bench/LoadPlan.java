package dev.moaflink.bench;

import dev.moaflink.job.config.Variant;
import dev.moaflink.kafka.embedded.EmbeddedKafka;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.runtime.minicluster.MiniCluster;

/**
 * The {@code load} benchmark's phases on one engine, one job at a time on the run's MiniCluster and broker: per
 * variant its unloaded latency, capacity and a ladder of Poisson rates; bursts with query-aware scheduling and
 * without; level-1 prefill with prefix sharing and without; and an overload at twice the full variant's capacity on
 * an exactly-once job.
 */
final class LoadPlan {

    /** How long each phase runs and how hard it pushes. */
    record Settings(double[] ladder, double pointSeconds, double drainSeconds, double warmSeconds,
                    double capacitySeconds, int capacityInFlight, int unloadedQueries, long unloadedSpacingMs,
                    int burstQueries, int bursts,
                    String burstVariant, double prefixSeconds, double overloadFactor, double overloadSeconds) {}

    /** One variant's run: its unloaded p50, capacity and ladder. */
    record VariantRun(String name, double unloadedP50Ms, double capacityPerS, Map<String, Double> waitingAtCapacity,
                      String bottleneck, List<LoadDriver.RatePoint> points, String failure) {

        static VariantRun skipped(String name) {
            return new VariantRun(name, Double.NaN, Double.NaN, Map.of(), "", List.of(), "not run");
        }
    }

    /** The bursts of one scheduling policy: each burst's figures. */
    record BurstRun(String variant, String scheduling, List<LoadDriver.Burst> bursts, String failure) {

        static BurstRun skipped() {
            return new BurstRun("", "", List.of(), "not run");
        }
    }

    /** Prefill per level over a stream of queries, with or without prefix sharing; one-query latency too. */
    record PrefixRun(boolean sharing, Map<Integer, long[]> promptTokensByLevel, double unloadedP50Ms, String failure) {

        static PrefixRun skipped() {
            return new PrefixRun(false, Map.of(), Double.NaN, "not run");
        }
    }

    /** The overload phase: offered rate, answers read exactly once, duplicates, the job's fate. */
    record OverloadRun(double offeredPerS, double seconds, long sent, long answered, long duplicates,
                       double p95Ms, String failure) {

        static OverloadRun skipped() {
            return new OverloadRun(Double.NaN, 0, 0, 0, 0, Double.NaN, "not run");
        }
    }

    private final String engine;
    private final Supplier<JobArgs> base;
    private final Settings s;
    private final EmbeddedKafka kafka;
    private final MiniCluster flink;

    LoadPlan(String engine, Supplier<JobArgs> base, Settings settings, EmbeddedKafka kafka, MiniCluster flink) {
        this.engine = engine;
        this.base = base;
        this.s = settings;
        this.kafka = kafka;
        this.flink = flink;
    }

    private void failed(String phase, Exception e) {
        System.out.println("[load] " + engine + " " + phase + " failed:");
        e.printStackTrace(System.out);
    }

    /** dense, tree and the full mechanism set (tree, overlap, early exit, bypass at 2/3). */
    static List<Variant> variants() {
        List<Variant> standard = Variant.standard("dense-9-9-1", "tree-9-3-1");
        Variant full = Variant.select(standard, "bypass-067").get(0);
        return List.of(Variant.select(standard, "dense").get(0), Variant.select(standard, "tree").get(0),
                new Variant("full", "full", full.overrides()));
    }

    VariantRun ladder(Variant v, long seed) {
        try (LoadTarget t = LoadTarget.start(engine + "-" + v.slug(), kafka, flink, base.get(), v.overrides(), false)) {
            LoadDriver d = new LoadDriver(t, seed);
            d.capacity(s.capacityInFlight(), s.warmSeconds()); // JIT, engines, caches
            double unloaded = d.unloadedP50(s.unloadedQueries(), s.unloadedSpacingMs());
            LoadDriver.Capacity saturated = d.saturate(s.capacityInFlight(), s.capacitySeconds());
            double capacity = saturated.perS();
            System.out.printf(Locale.ROOT, "[load] %s %s: unloaded p50 %.0f ms, capacity %.2f queries/s%n", engine,
                    v.name(), unloaded, capacity);
            List<LoadDriver.RatePoint> points = new ArrayList<>();
            for (double f : s.ladder()) {
                if (t.failed()) {
                    break;
                }
                points.add(d.offer(f * capacity, s.pointSeconds(), s.drainSeconds()));
            }
            return new VariantRun(v.name(), unloaded, capacity, saturated.meanWaiting(), saturated.bottleneck(), points,
                    t.failure());
        } catch (Exception e) {
            failed(v.name(), e);
            return new VariantRun(v.name(), Double.NaN, Double.NaN, Map.of(), "", List.of(), SoakJob.rootCause(e));
        }
    }

    /** Bursts on the burst variant with every model's engine scheduling as {@code scheduling} says. */
    BurstRun bursts(String scheduling, long seed) {
        Variant v = variants().stream().filter(x -> x.slug().equals(s.burstVariant())).findFirst().orElseThrow(
                () -> new IllegalArgumentException("--burst-variant must be dense, tree or full"));
        List<String[]> overrides = new ArrayList<>(v.overrides());
        for (String m : JobArgs.DEFAULT_MODELS) {
            overrides.add(new String[] {"models." + m + ".options.scheduling", scheduling});
        }
        try (LoadTarget t = LoadTarget.start(engine + "-burst-" + scheduling, kafka, flink, base.get(), overrides,
                false)) {
            LoadDriver d = new LoadDriver(t, seed);
            d.capacity(s.capacityInFlight(), s.warmSeconds());
            List<LoadDriver.Burst> bursts = new ArrayList<>();
            for (int i = 0; i < s.bursts() && !t.failed(); i++) {
                LoadDriver.Burst b = d.burst(s.burstQueries());
                System.out.printf(Locale.ROOT, "[load] %s burst of %d, scheduling %s: p50 %.0f ms of makespan "
                        + "%.0f ms (%.2f)%n", engine, b.queries(), scheduling, b.p50Ms(), b.makespanMs(),
                        b.p50OverMakespan());
                bursts.add(b);
            }
            return new BurstRun(v.name(), scheduling, bursts, t.failure());
        } catch (Exception e) {
            failed("bursts " + scheduling, e);
            return new BurstRun(v.name(), scheduling, List.of(), SoakJob.rootCause(e));
        }
    }

    /** The tree variant at {@code rate} for the prefix phase, with the engines' prefix caches on or off. */
    PrefixRun prefix(boolean sharing, double rate, long seed) {
        List<String[]> overrides = new ArrayList<>(variants().get(1).overrides());
        if (!sharing) {
            for (String m : JobArgs.DEFAULT_MODELS) {
                overrides.add(engine.equals("sim") ? new String[] {"models." + m + ".options.prefix_cache", "false"}
                        : new String[] {"models." + m + ".options.prefix_cache_mb", "0"});
            }
        }
        try (LoadTarget t = LoadTarget.start(engine + "-prefix-" + (sharing ? "on" : "off"), kafka, flink, base.get(),
                overrides, false)) {
            LoadDriver d = new LoadDriver(t, seed);
            d.capacity(s.capacityInFlight(), s.warmSeconds());
            double unloaded = d.unloadedP50(s.unloadedQueries(), s.unloadedSpacingMs());
            Map<Integer, long[]> before = t.answers.promptTokensByLevel();
            d.offer(rate, s.prefixSeconds(), s.drainSeconds());
            Map<Integer, long[]> after = t.answers.promptTokensByLevel();
            after.forEach((level, v) -> {
                long[] b = before.getOrDefault(level, new long[2]);
                v[0] -= b[0];
                v[1] -= b[1];
            });
            return new PrefixRun(sharing, after, unloaded, t.failure());
        } catch (Exception e) {
            failed("prefix sharing " + sharing, e);
            return new PrefixRun(sharing, Map.of(), Double.NaN, SoakJob.rootCause(e));
        }
    }

    /** The full variant, exactly once, offered {@code overloadFactor} × {@code capacity} for the overload's time. */
    OverloadRun overload(double capacity, long seed) {
        double rate = s.overloadFactor() * capacity;
        try (LoadTarget t = LoadTarget.start(engine + "-overload", kafka, flink, base.get(),
                variants().get(2).overrides(), true)) {
            LoadDriver d = new LoadDriver(t, seed);
            // The backlog drains after the overload at the job's own pace: wait while answers still arrive.
            LoadDriver.RatePoint p = d.offer(rate, s.overloadSeconds(), Math.max(60, s.overloadSeconds()), 30);
            return new OverloadRun(rate, s.overloadSeconds(), t.sent(), t.answers.distinct(), t.answers.duplicates(),
                    p.p95Ms(), t.failure());
        } catch (Exception e) {
            failed("overload", e);
            return new OverloadRun(rate, s.overloadSeconds(), 0, 0, 0, Double.NaN, SoakJob.rootCause(e));
        }
    }
}
