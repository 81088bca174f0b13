package dev.moaflink.bench;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.engine.djl.DjlEngine;
import dev.moaflink.engine.djl.DjlEngineFactory;
import dev.moaflink.engine.djl.RawLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The DJL engine on each bundled model: prefill tokens/s; decode tokens/s at batch 1, 4, 8, 16 (concurrent
 * sessions decoded together by continuous batching); the same model driven by a plain libtorch forward loop
 * (ratio); batching speed-up; peak RSS. CPU unless a GPU is visible to libtorch.
 */
final class EngineBench implements Bench.Runner {

    @Override
    public BenchReport run(Bench.Options o) throws Exception {
        String models = o.string("models", "expert-small,expert-medium,expert-large,aggregator");
        int tokens = o.integer("tokens", 128);
        int promptWords = o.integer("prompt-words", 60);
        String device = o.string("device", "auto");
        int repeats = o.integer("repeats", 7);
        int[] batches = {1, 4, 8, 16};
        List<Map<String, Object>> rows = new ArrayList<>();
        List<EngineChart.Model> charted = new ArrayList<>();
        StringBuilder md = new StringBuilder("""
                # Benchmark `engine` (DJL, PyTorch)

                Decode tokens/s count every sequence of the batch; the raw loop runs the same weights and forward code
                with a plain greedy loop (no scheduler, tokenizer or sessions). Engine and raw loop run interleaved;
                every figure is the median of the rounds; the two ratios are medians of each round's ratio (b8 / b1 and
                engine / raw at b1, each pair measured seconds apart). Peak RSS is the process high-water mark
                after the model's runs (cumulative over the models before it).

                | model | params | prefill tok/s | decode b1 | b4 | b8 | b16 | raw b1 | raw ratio | batch-8 speed-up | peak RSS MB |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                """);
        StringBuilder graphs = new StringBuilder("""

                ## Forward pass: TorchScript graph vs NDArray operations

                The engine runs each forward pass as one TorchScript call (`graph: torchscript`, default); `graph: ndarray`
                runs it operation by operation through DJL's NDArray API (a JNI call and Java bookkeeping each). Both raw
                loops, same weights, measured interleaved in each round; ratios are medians of each round's ratio.
                A piece: the prefill of 8 tokens after a 200-token prompt, what an aggregator appends per streamed chunk
                and what is left to prefill after its last input (prefill/decode overlap).

                | model | decode b1 TorchScript | b1 NDArray | speed-up | decode b8 TorchScript | b8 NDArray | speed-up | 8-token piece ms TorchScript | NDArray | speed-up |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                """);
        for (String name : models.split(",")) {
            String path = name.contains("/") ? name : "classpath:dev/moaflink/models/" + name.strip();
            String label = name.contains("/") ? Path.of(name).getFileName().toString() : name.strip();
            EngineSpec spec = new EngineSpec("djl", label, Map.of("path", path, "device", device, "ignore_eos", "true",
                    "chat_template", "none", "max_batch", "16", "kv_cache_mb", "512"));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", label);
            // Engine and raw loop are measured interleaved, `repeats` rounds, and each figure is the median of its
            // rounds: on a shared 2-core machine single short runs swing by tens of percent.
            double[][] decodeRuns = new double[batches.length][repeats];
            double[] raw1Runs = new double[repeats];
            double[] raw8Runs = new double[repeats];
            double[] nd1Runs = new double[repeats];
            double[] nd8Runs = new double[repeats];
            double[] pieceRuns = new double[repeats];
            double[] ndPieceRuns = new double[repeats];
            double prefill;
            long params;
            Path dir = dirOf(path);
            try (LlmEngine engine = new DjlEngineFactory().create(spec); RawLoop raw = new RawLoop(dir);
                 RawLoop nd = new RawLoop(dir, false)) {
                System.out.printf("[engine] %s: warm-up%n", label);
                measure(engine, 2, promptWords, tokens); // warm-up (JIT, allocator)
                raw.decodeTokensPerSecond(1, 16, 16);
                nd.decodeTokensPerSecond(1, 16, 16);
                prefill = prefillTps(engine, promptWords * 4);
                for (int r = 0; r < repeats; r++) {
                    for (int i = 0; i < batches.length; i++) {
                        Decode d = measure(engine, batches[i], promptWords, tokens);
                        decodeRuns[i][r] = d.tokensPerSecond();
                        // The raw loop decodes after prompts as long as the engine's (attention cost grows with them).
                        if (batches[i] == 1) {
                            raw1Runs[r] = raw.decodeTokensPerSecond(1, d.promptTokens(), tokens);
                        } else if (batches[i] == 8) {
                            raw8Runs[r] = raw.decodeTokensPerSecond(8, d.promptTokens(), tokens);
                        }
                        if (batches[i] == 1) {
                            nd1Runs[r] = nd.decodeTokensPerSecond(1, d.promptTokens(), tokens);
                        } else if (batches[i] == 8) {
                            nd8Runs[r] = nd.decodeTokensPerSecond(8, d.promptTokens(), tokens);
                        }
                    }
                    pieceRuns[r] = raw.pieceMs(200, 8, 20);
                    ndPieceRuns[r] = nd.pieceMs(200, 8, 20);
                    System.out.printf(Locale.ROOT, "[engine] %s round %d: engine b1/b8 %.0f / %.0f tokens/s, raw b1/b8 %.0f / %.0f%n",
                            label, r + 1, decodeRuns[0][r], decodeRuns[2][r], raw1Runs[r], raw8Runs[r]);
                }
                params = parameterCount(raw);
            }
            double[] decode = new double[batches.length];
            for (int i = 0; i < batches.length; i++) {
                decode[i] = median(decodeRuns[i]);
            }
            // Batching speed-up: the median of each round's b8 / b1 (measured seconds apart), which drifts in the
            // machine's speed between rounds do not distort as they do a ratio of medians taken minutes apart.
            double[] speedupRuns = new double[repeats];
            double[] rawRatioRuns = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                speedupRuns[r] = decodeRuns[2][r] / decodeRuns[0][r];
                rawRatioRuns[r] = decodeRuns[0][r] / raw1Runs[r];
            }
            double[] g1 = new double[repeats];
            double[] g8 = new double[repeats];
            double[] gp = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                g1[r] = raw1Runs[r] / nd1Runs[r];
                g8[r] = raw8Runs[r] / nd8Runs[r];
                gp[r] = ndPieceRuns[r] / pieceRuns[r];
            }
            Map<String, Object> graph = new LinkedHashMap<>();
            graph.put("torchscript_decode_tps_b1", round(median(raw1Runs)));
            graph.put("ndarray_decode_tps_b1", round(median(nd1Runs)));
            graph.put("speedup_b1", round(median(g1)));
            graph.put("torchscript_decode_tps_b8", round(median(raw8Runs)));
            graph.put("ndarray_decode_tps_b8", round(median(nd8Runs)));
            graph.put("speedup_b8", round(median(g8)));
            graph.put("torchscript_piece_ms", round(median(pieceRuns)));
            graph.put("ndarray_piece_ms", round(median(ndPieceRuns)));
            graph.put("speedup_piece", round(median(gp)));
            row.put("graph", graph);
            graphs.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f× | %.0f | %.0f | %.2f× | %.2f | %.2f | %.2f× |%n",
                    label, median(raw1Runs), median(nd1Runs), median(g1), median(raw8Runs), median(nd8Runs), median(g8),
                    median(pieceRuns), median(ndPieceRuns), median(gp)));
            double speedup = median(speedupRuns);
            double rawRatio = median(rawRatioRuns);
            double raw1 = median(raw1Runs);
            double raw8 = median(raw8Runs);
            System.out.printf(Locale.ROOT, "[engine] %s: medians b1 %.0f, b8 %.0f; raw loop b1 %.0f, b8 %.0f tokens/s%n",
                    label, decode[0], decode[2], raw1, raw8);
            long rss = peakRssMb();
            row.put("params", params);
            row.put("prefill_tps", round(prefill));
            row.put("decode_tps_b1", round(decode[0]));
            row.put("decode_tps_b4", round(decode[1]));
            row.put("decode_tps_b8", round(decode[2]));
            row.put("decode_tps_b16", round(decode[3]));
            row.put("raw_decode_tps_b1", round(raw1));
            row.put("raw_decode_tps_b8", round(raw8));
            row.put("batch8_speedup", round(speedup));
            row.put("batch8_speedup_of_medians", round(decode[2] / decode[0]));
            row.put("raw_ratio", round(rawRatio));
            row.put("peak_rss_mb", rss);
            rows.add(row);
            charted.add(new EngineChart.Model(label, batches, decode, raw1, raw8, rawRatio, speedup));
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f× | %d |%n",
                    label, params, prefill, decode[0], decode[1], decode[2], decode[3], raw1, rawRatio,
                    speedup, rss));
        }
        md.append(String.format(Locale.ROOT, "%nTargets: decode ≥ 0.9 of the raw loop; batch 8 ≥ 4× the tokens/s of batch 1. "
                + "%d cores, %d output tokens per sequence, prompts of about %d words, median of %d rounds.%n",
                Runtime.getRuntime().availableProcessors(), tokens, promptWords, repeats));
        md.append(graphs);
        EngineChart.write(charted, device);
        md.append("\nChart: `target/bench/engine.png` (decode tokens/s vs batch size per model, engine and raw loop; "
                + "the two ratios against their targets).\n");
        return new BenchReport("engine").put("engine", "djl-pytorch").put("device", device)
                .put("cores", Runtime.getRuntime().availableProcessors()).put("tokens", tokens).put("repeats", repeats).put("models", rows)
                .md(md.toString());
    }

    /** Decode tokens/s of a run and its sessions' mean prompt length in tokens. */
    private record Decode(double tokensPerSecond, int promptTokens) {}

    /** B concurrent sessions, each decoding {@code tokens}; decode tokens/s over the run minus its prefill time. */
    private static Decode measure(LlmEngine engine, int batch, int promptWords, int tokens) throws Exception {
        List<EngineSession> sessions = new ArrayList<>();
        List<CompletableFuture<Generation>> runs = new ArrayList<>();
        long steps0 = engine instanceof DjlEngine d ? d.steps() : 0;
        long t0 = System.nanoTime();
        for (int b = 0; b < batch; b++) {
            EngineSession s = engine.open(new SessionRequest("b" + batch + "-" + b, prompt(promptWords, b),
                    PromptContext.freeText("q" + b), SessionRequest.Role.PROPOSER));
            sessions.add(s);
            runs.add(s.generate(GenerationParams.greedy(tokens), TokenListener.NONE));
        }
        double prefillMs = 0;
        int out = 0;
        long promptTokens = 0;
        for (CompletableFuture<Generation> r : runs) {
            Generation g = r.get(10, TimeUnit.MINUTES);
            if (g.error() != null) {
                throw new IllegalStateException("generation failed: " + g.error());
            }
            prefillMs += g.timings().prefillMs();
            out += g.outputTokens();
            promptTokens += g.promptTokens();
        }
        double wallMs = (System.nanoTime() - t0) / 1e6;
        sessions.forEach(EngineSession::close);
        if (engine instanceof DjlEngine d && System.getProperty("moa.bench.verbose") != null) {
            long steps = d.steps() - steps0;
            System.out.printf(Locale.ROOT, "[engine]   b%d: %d steps, %.2f rows per step, %.2f ms per step%n", batch, steps,
                    (double) out / steps, (wallMs - prefillMs) / steps);
        }
        return new Decode(out / ((wallMs - prefillMs) / 1000.0), (int) Math.round((double) promptTokens / batch));
    }

    private static double prefillTps(LlmEngine engine, int words) throws Exception {
        double best = 0;
        for (int r = 0; r < 3; r++) {
            EngineSession s = engine.open(new SessionRequest("p" + r, prompt(words, 100 + r), PromptContext.freeText("p"),
                    SessionRequest.Role.PROPOSER));
            Generation g = s.generate(GenerationParams.greedy(1), TokenListener.NONE).get(5, TimeUnit.MINUTES);
            s.close();
            best = Math.max(best, g.promptTokens() / (g.timings().prefillMs() / 1000.0));
        }
        return best;
    }

    private static String prompt(int words, int salt) {
        String[] vocab = {"which", "word", "means", "a", "small", "animal", "that", "lives", "in", "water", "what", "is",
            "seven", "plus", "nine", "the", "next", "number", "sequence", "larger"};
        StringBuilder sb = new StringBuilder("Question: ");
        for (int i = 0; i < words; i++) {
            sb.append(vocab[(i * 7 + salt * 3) % vocab.length]).append(i % 9 == 8 ? ". " : " ");
        }
        return sb.toString().strip();
    }

    private static Path dirOf(String path) throws Exception {
        if (!path.startsWith("classpath:")) {
            return Path.of(path);
        }
        String prefix = path.substring("classpath:".length());
        Path dir = Files.createTempDirectory("moa-bench-model-");
        dir.toFile().deleteOnExit(); // after its files, which are registered later and deleted first
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            try (var in = EngineBench.class.getClassLoader().getResourceAsStream(prefix + "/" + f)) {
                if (in == null) {
                    throw new IllegalArgumentException("no " + prefix + "/" + f + " on the classpath");
                }
                Files.copy(in, dir.resolve(f));
                dir.resolve(f).toFile().deleteOnExit();
            }
        }
        return dir;
    }

    private static long parameterCount(RawLoop raw) {
        var c = raw.config();
        long h = c.hiddenSize();
        long perLayer = h * (long) (c.heads() + 2 * c.kvHeads()) * c.headDim() + (long) c.heads() * c.headDim() * h
                + 3L * h * c.intermediateSize() + 2 * h;
        return c.vocabSize() * h * (c.tiedEmbeddings() ? 1 : 2) + c.layers() * perLayer + h;
    }

    private static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static double median(double[] runs) {
        double[] v = runs.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
