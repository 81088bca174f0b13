package dev.moaflink.scheduler.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moaflink.engine.EngineRegistry;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.TokenListener;
import dev.moaflink.schema.TaskType;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Measures a model on a real engine (any backend of the engine SPI: the DJL engine, the simulated one, ...) and
 * writes a cost profile ({@code moa-cost-profile/1}) for one worker type: the machine it runs on.
 *
 * <pre>
 * deploy/profile.sh --backend djl --model expert-small --option path=classpath:dev/moaflink/models/expert-small \
 *     --worker-type cpu-2core --out profiles/expert-small.json [--prompts queries.jsonl] [--batch 8]
 * </pre>
 *
 * What is measured, per field (each cited in the file as "measured"):
 * <ul>
 *   <li>{@code load_s}: wall time to create the engine (load weights, tokenizer);</li>
 *   <li>{@code prefill_tps}: prompt tokens over prefill time of one long prompt;</li>
 *   <li>{@code decode_tps_b1}: output tokens over decode time of one session alone;</li>
 *   <li>{@code decode_tps}: output tokens of {@code --batch} concurrent sessions over their wall time (the engine's
 *       continuous batching);</li>
 *   <li>{@code overhead_ms}: wall time of a one-token request beyond its prefill and decode;</li>
 *   <li>{@code output_tokens}: mean and p95 of the outputs to the sample prompts ({@code --prompts}: JSON lines with
 *       a {@code prompt}, or a query's {@code text}; the prompts the job sends are best);</li>
 *   <li>{@code weight_mb}, {@code kv_bytes_per_token}: from a Hugging Face {@code config.json} and
 *       {@code *.safetensors} under the engine's {@code path} option when there is one, else from
 *       {@code --weight-mb} / {@code --kv-bytes-per-token}.</li>
 * </ul>
 * Engines in virtual time (simulated) report modelled timings, which are used instead of the wall clock.
 */
public final class Profiler {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to measure. */
    public record Settings(EngineSpec engine, String workerType, List<String> prompts, int batch, int decodeTokens,
                           int prefillTokens, int maxOutputTokens, double weightMb, long kvBytesPerToken,
                           double kvBudgetMb) {}

    private Profiler() {}

    static final String USAGE = """
            usage: deploy/profile.sh --backend B --model NAME [--option key=value ...] --worker-type TYPE --out FILE
                                     [--prompts FILE.jsonl] [--batch 8] [--decode-tokens 64] [--prefill-tokens 256]
                                     [--max-output-tokens 512] [--weight-mb MB] [--kv-bytes-per-token B]
                                     [--kv-budget-mb 1024]

            Measures a model on its engine into a cost profile (prefill and decode throughput, batching, output
            lengths) for the placement optimiser.
              --backend B            engine backend (djl, openai, sim)
              --model NAME           model name; --option key=value are its engine options (repeatable)
              --worker-type TYPE     the worker type the profile is for, e.g. h100-80gb
              --out FILE             the profile to write (JSON)
              --prompts FILE.jsonl   prompts to measure with (default: built-in ones)
              --batch N              decode batch size to measure (default 8)
              --decode-tokens N, --prefill-tokens N, --max-output-tokens N   measurement sizes
              --weight-mb MB, --kv-bytes-per-token B, --kv-budget-mb MB      memory figures for placement
              --help                 this text
            """;

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.print(USAGE);
            return;
        }
        Map<String, String> a = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("expected --key value pairs, got '" + args[i] + "'");
            }
            String k = args[i].substring(2);
            if (k.equals("option")) {
                int eq = args[i + 1].indexOf('=');
                if (eq < 1) {
                    usage("--option needs key=value, got '" + args[i + 1] + "'");
                }
                options.put(args[i + 1].substring(0, eq), args[i + 1].substring(eq + 1));
            } else {
                a.put(k, args[i + 1]);
            }
        }
        for (String required : List.of("backend", "model", "worker-type", "out")) {
            if (!a.containsKey(required)) {
                usage("--" + required + " is required");
            }
        }
        List<String> prompts = a.containsKey("prompts") ? readPrompts(Path.of(a.remove("prompts"))) : defaultPrompts();
        Settings s = new Settings(new EngineSpec(a.remove("backend"), a.remove("model"), options), a.remove("worker-type"),
                prompts, Integer.parseInt(a.getOrDefault("batch", "8")),
                Integer.parseInt(a.getOrDefault("decode-tokens", "64")),
                Integer.parseInt(a.getOrDefault("prefill-tokens", "256")),
                Integer.parseInt(a.getOrDefault("max-output-tokens", "512")),
                Double.parseDouble(a.getOrDefault("weight-mb", "0")),
                Long.parseLong(a.getOrDefault("kv-bytes-per-token", "0")),
                Double.parseDouble(a.getOrDefault("kv-budget-mb", "1024")));
        Path out = Path.of(a.remove("out"));
        for (String k : List.of("batch", "decode-tokens", "prefill-tokens", "max-output-tokens", "weight-mb",
                "kv-bytes-per-token", "kv-budget-mb")) {
            a.remove(k);
        }
        if (!a.isEmpty()) {
            usage("unknown options " + a.keySet());
        }
        CostProfile p = profile(s, EngineRegistry.global());
        CostProfiles.write(p, out);
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(CostProfiles.toJson(p)));
        System.out.println("Wrote " + out.toAbsolutePath());
        System.exit(0);
    }

    private static void usage(String problem) {
        System.err.print(problem + "\n" + USAGE);
        System.exit(2);
    }

    /** Measures and returns the profile (does not write it). */
    public static CostProfile profile(Settings s, EngineRegistry registry) throws Exception {
        if (s.prompts().isEmpty()) {
            throw new IllegalArgumentException("the profiler needs at least one sample prompt");
        }
        long t0 = System.nanoTime();
        try (EngineRegistry.Lease lease = registry.acquire(s.engine())) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            LlmEngine engine = lease.engine();
            boolean virtual = engine.info().virtualTime();
            warmUp(engine, s);

            // Prefill: one long prompt, one output token.
            String longPrompt = repeatTo(s.prompts(), s.prefillTokens(), engine);
            Timed prefill = run(engine, "profile-prefill", longPrompt, GenerationParams.greedy(1));
            double prefillTps = prefill.gen.promptTokens() / Math.max(1e-9, prefill.gen.timings().prefillMs() / 1000);

            // Decode alone.
            Timed alone = run(engine, "profile-b1", s.prompts().get(0), new GenerationParams(s.decodeTokens(), 0, 1, 0,
                    List.of()));
            double decodeB1 = alone.gen.outputTokens() / Math.max(1e-9, alone.gen.timings().decodeMs() / 1000);

            // Decode batched: concurrent sessions.
            double decodeBatched = batched(engine, s, virtual);

            // Overhead: a short prompt's prefill beyond its tokens' share at the long prompt's rate (prefill time is
            // linear in tokens: the long prompt gives the slope, the short one the intercept), plus, on the wall
            // clock, whatever a one-token request costs beyond prefill and decode.
            Timed tiny = run(engine, "profile-overhead", "Hi", GenerationParams.greedy(1));
            double slopeMs = (prefill.gen.timings().prefillMs() - tiny.gen.timings().prefillMs())
                    / Math.max(1, prefill.gen.promptTokens() - tiny.gen.promptTokens());
            if (slopeMs > 0) {
                prefillTps = 1000 / slopeMs;
            }
            double overheadMs = Math.max(0, tiny.gen.timings().prefillMs() - tiny.gen.promptTokens() * Math.max(0, slopeMs));
            if (!virtual) {
                overheadMs += Math.max(0, tiny.wallMs - tiny.gen.timings().prefillMs() - tiny.gen.timings().decodeMs());
            }

            // Output lengths on the sample prompts.
            int[] lengths = new int[s.prompts().size()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = run(engine, "profile-len-" + i, s.prompts().get(i),
                        GenerationParams.greedy(s.maxOutputTokens())).gen.outputTokens();
            }
            Arrays.sort(lengths);
            double mean = Arrays.stream(lengths).average().orElse(0);
            double p95 = lengths[Math.min(lengths.length - 1, (int) Math.ceil(0.95 * lengths.length) - 1)];

            double weightMb = s.weightMb();
            long kvBytes = s.kvBytesPerToken();
            String memorySource = "given on the command line";
            HfSizes sizes = HfSizes.of(s.engine().options().get("path"));
            if (sizes != null) {
                weightMb = weightMb > 0 ? weightMb : sizes.weightMb;
                kvBytes = kvBytes > 0 ? kvBytes : sizes.kvBytesPerToken;
                memorySource = "from config.json and the safetensors files of " + s.engine().options().get("path");
            }
            if (weightMb <= 0 || kvBytes <= 0) {
                throw new IllegalArgumentException("model " + s.engine().model() + ": its engine has no Hugging Face "
                        + "'path' to read sizes from; give --weight-mb and --kv-bytes-per-token");
            }
            String host = InetAddress.getLocalHost().getHostName();
            String how = "measured by the moa profiler on " + host + " (" + Runtime.getRuntime().availableProcessors()
                    + " CPUs) at " + Instant.now() + ", backend " + s.engine().backend()
                    + (virtual ? " in virtual time (modelled timings)" : " (wall clock)");
            Map<String, String> citations = new LinkedHashMap<>();
            for (String f : List.of("load_s", "overhead_ms", "output_tokens", "workers")) {
                citations.put(f, how);
            }
            citations.put("output_tokens", how + "; greedy outputs to " + lengths.length + " sample prompts, at most "
                    + s.maxOutputTokens() + " tokens");
            citations.put("workers", how + "; decode_tps with " + s.batch() + " concurrent sessions");
            citations.put("weight_mb", memorySource);
            citations.put("kv_bytes_per_token", memorySource);
            citations.put("kv_budget_mb", "chosen: --kv-budget-mb");
            return new CostProfile(s.engine().model(), false, "Measured profile of " + s.engine().model() + " on "
                    + s.workerType() + " (" + s.engine().backend() + " engine).", weightMb, kvBytes, s.kvBudgetMb(),
                    round(loadS), round(overheadMs), new CostProfile.OutputLength(round(mean), p95),
                    Map.of(s.workerType(), new CostProfile.Throughput(round(prefillTps), round(decodeBatched),
                            round(decodeB1))), citations);
        }
    }

    private record Timed(Generation gen, double wallMs) {}

    private static Timed run(LlmEngine engine, String id, String prompt, GenerationParams params) throws Exception {
        long t0 = System.nanoTime();
        try (EngineSession session = engine.open(new SessionRequest(id, "", context(id), SessionRequest.Role.PROPOSER))) {
            session.append(prompt);
            Generation g = session.generate(params, TokenListener.NONE).get();
            if (g.error() != null) {
                throw new IllegalStateException("engine failed on profiling request " + id + ": " + g.error());
            }
            return new Timed(g, (System.nanoTime() - t0) / 1e6);
        }
    }

    private static double batched(LlmEngine engine, Profiler.Settings s, boolean virtual) throws Exception {
        List<EngineSession> sessions = new ArrayList<>();
        List<CompletableFuture<Generation>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < s.batch(); i++) {
                EngineSession session = engine.open(new SessionRequest("profile-batch-" + i, "", context("b" + i),
                        SessionRequest.Role.PROPOSER));
                session.append(s.prompts().get(i % s.prompts().size()));
                sessions.add(session);
            }
            long t0 = System.nanoTime();
            for (EngineSession session : sessions) {
                futures.add(session.generate(new GenerationParams(s.decodeTokens(), 0, 1, 0, List.of()),
                        TokenListener.NONE));
            }
            long tokens = 0;
            double decodeMs = 0;
            double prefillMs = 0;
            for (CompletableFuture<Generation> f : futures) {
                Generation g = f.get();
                tokens += g.outputTokens();
                decodeMs = Math.max(decodeMs, g.timings().decodeMs());
                prefillMs = Math.max(prefillMs, g.timings().prefillExposedMs());
            }
            double wallMs = (System.nanoTime() - t0) / 1e6;
            // Virtual engines model sessions side by side: the batch takes as long as its longest decode.
            double ms = virtual ? decodeMs : Math.max(1e-6, wallMs - prefillMs);
            return tokens / (ms / 1000);
        } finally {
            sessions.forEach(EngineSession::close);
        }
    }

    private static void warmUp(LlmEngine engine, Settings s) throws Exception {
        run(engine, "profile-warmup", s.prompts().get(0), GenerationParams.greedy(4));
    }

    /** Sample prompts joined to about {@code tokens} tokens (characters per token measured on the engine). */
    private static String repeatTo(List<String> prompts, int tokens, LlmEngine engine) {
        String all = String.join("\n", prompts) + "\n";
        int allTokens;
        try (EngineSession probe = engine.open(new SessionRequest("profile-tokens", "", context("tokens"),
                SessionRequest.Role.PROPOSER))) {
            probe.append(all);
            allTokens = Math.max(1, probe.promptTokens());
        }
        double charsPerToken = (double) all.length() / allTokens;
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (sb.length() < tokens * charsPerToken * 0.95) {
            sb.append(prompts.get(i++ % prompts.size())).append('\n');
        }
        return sb.toString();
    }

    private static PromptContext context(String id) {
        return new PromptContext(id, TaskType.FREE_TEXT, List.of());
    }

    static List<String> readPrompts(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            String p = n.hasNonNull("prompt") ? n.get("prompt").asText() : n.path("text").asText("");
            if (!p.isBlank()) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no 'prompt' or 'text' in any line");
        }
        return out;
    }

    static List<String> defaultPrompts() {
        return List.of("Explain why the sky is blue in two sentences.", "What is 17 + 25? Think step by step.",
                "Which word means: a human being?\nA) person\nB) river\nC) walk\nD) blue",
                "Write a haiku about autumn.", "List three prime numbers larger than 50.",
                "Summarise the plot of a detective story in one paragraph.", "What number comes next: 3, 7, 11, ...?",
                "Which is larger, 417 or 392?");
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Weight and KV sizes of a Hugging Face checkpoint directory (file path or classpath:). */
    record HfSizes(double weightMb, long kvBytesPerToken) {

        static HfSizes of(String path) throws IOException {
            if (path == null || path.isBlank()) {
                return null;
            }
            JsonNode config;
            long weightBytes;
            if (path.startsWith("classpath:")) {
                String base = path.substring("classpath:".length()).replaceAll("/+$", "");
                try (InputStream c = Profiler.class.getClassLoader().getResourceAsStream(base + "/config.json");
                     InputStream w = Profiler.class.getClassLoader().getResourceAsStream(base + "/model.safetensors")) {
                    if (c == null || w == null) {
                        return null;
                    }
                    config = JSON.readTree(c);
                    weightBytes = w.transferTo(java.io.OutputStream.nullOutputStream());
                }
            } else {
                Path dir = Path.of(path);
                if (!Files.isRegularFile(dir.resolve("config.json"))) {
                    return null;
                }
                config = JSON.readTree(dir.resolve("config.json").toFile());
                try (var files = Files.list(dir)) {
                    weightBytes = files.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                            .mapToLong(f -> f.toFile().length()).sum();
                }
            }
            int layers = config.path("num_hidden_layers").asInt();
            int heads = config.path("num_attention_heads").asInt();
            int kvHeads = config.path("num_key_value_heads").asInt(heads);
            int headDim = config.path("head_dim").asInt(heads == 0 ? 0 : config.path("hidden_size").asInt() / heads);
            int bytes = switch (config.path("torch_dtype").asText("float32")) {
                case "float16", "bfloat16" -> 2;
                default -> 4;
            };
            return new HfSizes(Math.round(weightBytes / 1048576.0 * 1000) / 1000.0,
                    2L * layers * kvHeads * headDim * bytes);
        }
    }
}
