package dev.moaflink.engine.sim;

import java.util.Map;

/**
 * How a simulated model behaves: its costs, its output lengths and how often it is right. Built from
 * {@link dev.moaflink.engine.EngineSpec#options()} by {@link #parse}; the keys and defaults are in
 * {@link SimOption}.
 *
 * @param prefillTps        prompt tokens per second ({@code inf}: prefill is free)
 * @param decodeTps         output tokens per second of one session ({@code inf}: decode is free)
 * @param overheadMs        fixed cost per request, charged to prefill when the session opens
 * @param outputMeanTokens  mean of the lognormal output length
 * @param outputP95Tokens   95th percentile of the lognormal output length
 * @param accuracy          probability that an answer is correct when the query has a gold answer
 * @param errorCorrelation  rho of the Gaussian copula that correlates errors of models on one query
 * @param synthesis         probability that an aggregator answers with the plurality of its candidates
 * @param confidenceCorrect target exp(mean token log-prob) of a correct output
 * @param confidenceWrong   target exp(mean token log-prob) of a wrong output
 * @param time              whether tokens arrive on the wall clock or in modelled time only
 * @param seed              seeds every draw
 * @param concurrency       sessions decoding at once in real time (0 = unlimited); ignored in virtual time
 * @param worker            virtual time: the worker (GPU) whose clock this engine's sessions share; "" = none
 * @param sharedGpu         virtual time: a query's sessions on this model share one GPU ({@link SharedGpu})
 * @param kvWeightTokens    context tokens whose KV cache weighs as much as the weights ({@code inf}: context does
 *                          not slow decoding)
 * @param scheduling        real time: which session waiting for a decode slot gets it
 * @param prefixCache       real time with a shared GPU: prompt starts prefilled for the query before are free
 */
public record SimProfile(
        double prefillTps,
        double decodeTps,
        double overheadMs,
        double outputMeanTokens,
        double outputP95Tokens,
        double accuracy,
        double errorCorrelation,
        double synthesis,
        double confidenceCorrect,
        double confidenceWrong,
        Time time,
        long seed,
        int concurrency,
        String worker,
        boolean sharedGpu,
        double kvWeightTokens,
        Scheduling scheduling,
        boolean prefixCache) {

    /** Whose clock the timings are on. */
    public enum Time { REAL, VIRTUAL }

    /** Who gets a free decode slot in real time: the earliest-arrived query's session, or the first to ask. */
    public enum Scheduling { QUERY, FIFO }

    /** Options that make every phase free, to measure the framework's own overhead. */
    public static final Map<String, String> ZERO_COST = Map.of(
            SimOption.PREFILL_TPS.key(), "inf",
            SimOption.DECODE_TPS.key(), "inf",
            SimOption.OVERHEAD_MS.key(), "0");

    /** A lognormal with a given mean cannot put its p95 above mean * exp(Z95^2 / 2) (about 3.87x). */
    static final double MAX_P95_OVER_MEAN = Math.exp(Normal.Z95 * Normal.Z95 / 2);

    public SimProfile {
        positive(SimOption.PREFILL_TPS, prefillTps);
        positive(SimOption.DECODE_TPS, decodeTps);
        check(SimOption.OVERHEAD_MS, overheadMs, overheadMs >= 0 && Double.isFinite(overheadMs), "a finite value >= 0");
        check(SimOption.OUTPUT_MEAN_TOKENS, outputMeanTokens,
                outputMeanTokens >= 1 && Double.isFinite(outputMeanTokens), "a finite value >= 1");
        double maxP95 = outputMeanTokens * MAX_P95_OVER_MEAN;
        check(SimOption.OUTPUT_P95_TOKENS, outputP95Tokens,
                outputP95Tokens >= outputMeanTokens && outputP95Tokens <= maxP95,
                "between output_mean_tokens (" + outputMeanTokens + ") and " + maxP95
                        + ", the p95 range of a lognormal with that mean");
        check(SimOption.ACCURACY, accuracy, accuracy >= 0 && accuracy <= 1, "in [0, 1]");
        check(SimOption.ERROR_CORRELATION, errorCorrelation, errorCorrelation >= 0 && errorCorrelation < 1,
                "in [0, 1)");
        check(SimOption.SYNTHESIS, synthesis, synthesis >= 0 && synthesis <= 1, "in [0, 1]");
        check(SimOption.CONFIDENCE_CORRECT, confidenceCorrect, confidenceCorrect > 0 && confidenceCorrect <= 1,
                "in (0, 1]");
        check(SimOption.CONFIDENCE_WRONG, confidenceWrong, confidenceWrong > 0 && confidenceWrong <= 1,
                "in (0, 1]");
        if (time == null) {
            throw new IllegalArgumentException("sim option 'time' must be set");
        }
        if (scheduling == null) {
            throw new IllegalArgumentException("sim option 'scheduling' must be set");
        }
        check(SimOption.CONCURRENCY, concurrency, concurrency >= 0, "an integer >= 0");
        worker = worker == null ? "" : worker.trim();
        positive(SimOption.KV_WEIGHT_TOKENS, kvWeightTokens);
        if (sharedGpu && !worker.isEmpty()) {
            throw new IllegalArgumentException("sim options 'shared_gpu' and 'worker' exclude each other: 'worker' "
                    + "queues whole requests on an offline batch's GPU, 'shared_gpu' batches one query's sessions");
        }
    }

    /** Whether decoding is timed step by step (a shared GPU, or context that slows steps). */
    public boolean stepwiseDecode() {
        return sharedGpu || Double.isFinite(kvWeightTokens);
    }

    /** The defaults of {@link SimOption}. */
    public static SimProfile defaults() {
        return parse(Map.of());
    }

    /**
     * Reads a profile from engine options; missing keys take their {@link SimOption#defaultValue()}.
     *
     * @throws IllegalArgumentException for an unknown key (listing the valid ones) or a bad value (naming both)
     */
    public static SimProfile parse(Map<String, String> options) {
        options.keySet().forEach(SimOption::of);
        OptionReader r = new OptionReader(options);
        return new SimProfile(
                r.rate(SimOption.PREFILL_TPS),
                r.rate(SimOption.DECODE_TPS),
                r.number(SimOption.OVERHEAD_MS),
                r.number(SimOption.OUTPUT_MEAN_TOKENS),
                r.number(SimOption.OUTPUT_P95_TOKENS),
                r.number(SimOption.ACCURACY),
                r.number(SimOption.ERROR_CORRELATION),
                r.number(SimOption.SYNTHESIS),
                r.number(SimOption.CONFIDENCE_CORRECT),
                r.number(SimOption.CONFIDENCE_WRONG),
                r.time(SimOption.TIME),
                r.longValue(SimOption.SEED),
                r.intValue(SimOption.CONCURRENCY),
                r.raw(SimOption.WORKER),
                r.bool(SimOption.SHARED_GPU),
                r.rate(SimOption.KV_WEIGHT_TOKENS),
                r.scheduling(SimOption.SCHEDULING),
                r.bool(SimOption.PREFIX_CACHE));
    }

    /** Modelled prefill time of {@code tokens} prompt tokens (without the per-request overhead). */
    public double prefillMs(int tokens) {
        return tokens * (1000.0 / prefillTps);
    }

    /** Modelled time to decode {@code tokens} output tokens. */
    public double decodeMs(int tokens) {
        return tokens * (1000.0 / decodeTps);
    }

    private static void positive(SimOption option, double value) {
        check(option, value, value > 0, "a number > 0 or 'inf'");
    }

    private static void check(SimOption option, double value, boolean ok, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("sim option '" + option.key() + "' must be " + expected + ", was "
                    + value);
        }
    }

    /** Typed access to string options; each error names the key and the offending value. */
    private record OptionReader(Map<String, String> options) {

        String raw(SimOption o) {
            return options.getOrDefault(o.key(), o.defaultValue()).trim();
        }

        double rate(SimOption o) {
            return raw(o).equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY : number(o);
        }

        double number(SimOption o) {
            String v = raw(o);
            try {
                double d = Double.parseDouble(v);
                if (Double.isNaN(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw bad(o, v, "a number");
            }
        }

        long longValue(SimOption o) {
            String v = raw(o);
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw bad(o, v, "an integer");
            }
        }

        int intValue(SimOption o) {
            String v = raw(o);
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw bad(o, v, "an integer");
            }
        }

        boolean bool(SimOption o) {
            String v = raw(o);
            if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
            }
            throw bad(o, v, "true or false");
        }

        Scheduling scheduling(SimOption o) {
            String v = raw(o);
            for (Scheduling s : Scheduling.values()) {
                if (s.name().equalsIgnoreCase(v)) {
                    return s;
                }
            }
            throw bad(o, v, "query or fifo");
        }

        Time time(SimOption o) {
            String v = raw(o);
            for (Time t : Time.values()) {
                if (t.name().equalsIgnoreCase(v)) {
                    return t;
                }
            }
            throw bad(o, v, "'real' or 'virtual'");
        }

        private static IllegalArgumentException bad(SimOption o, String value, String expected) {
            return new IllegalArgumentException("sim option '" + o.key() + "' must be " + expected + ", was '"
                    + value + "'");
        }
    }
}
