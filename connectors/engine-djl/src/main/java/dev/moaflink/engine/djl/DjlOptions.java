package dev.moaflink.engine.djl;

import ai.djl.Device;
import dev.moaflink.engine.ChatFormat;
import dev.moaflink.engine.EngineSpec;
import java.util.Map;
import java.util.Set;

/**
 * Options of the {@code djl} backend (engine spec options):
 * <ul>
 *   <li>{@code path} (required): a Hugging Face model directory, or {@code classpath:dev/moaflink/models/NAME}
 *       for a model bundled on the classpath;</li>
 *   <li>{@code device}: {@code auto} (CUDA when libtorch sees a GPU, default), {@code cpu} or {@code gpu};</li>
 *   <li>{@code kv_cache_mb}: KV cache budget per model and JVM (default 512);</li>
 *   <li>{@code max_batch}: sessions decoded together in one step (default 16);</li>
 *   <li>{@code prefill_tokens_per_step}: prompt tokens prefilled between two decode steps (default 1024): waiting
 *       prompts are prefilled first, up to this budget, so that sessions arriving together join the decode batch
 *       together, while a flood of long prompts still cannot stall the decoding sessions for longer than it;</li>
 *   <li>{@code chat_template}: {@code auto} (default), {@code none}, {@code chatml}, {@code llama3}, {@code llama2};</li>
 *   <li>{@code ignore_eos}: keep decoding past end-of-sequence tokens until max_tokens (benchmarks; default false);</li>
 *   <li>{@code graph}: {@code torchscript} (default: each forward pass is one call into libtorch, see
 *       {@link ScriptedForward}) or {@code ndarray} (operation by operation through DJL's NDArray API);</li>
 *   <li>{@code overlap_prefill}: when text appended ahead of generate (prefill/decode overlap) is prefilled on a
 *       CPU: {@code eager} (default: at once, a piece at a time, competing with the JVM's other DJL engines) or
 *       {@code idle_cores} (only while those engines with a caller waiting leave a core free, see
 *       {@link CoreShare}). On a GPU it is always eager.</li>
 *   <li>{@code scheduling}: which sessions are admitted, prefilled and batched first when they compete:
 *       {@code query} (default: earliest-arrived query first), {@code attained} (least service per query first) or
 *       {@code fifo} (sessions in the order they came), see {@link QueryOrder}.</li>
 *   <li>{@code prefix_cache_mb}: prompt keys and values kept for sessions of this model whose prompts start alike
 *       (default a quarter of {@code kv_cache_mb}, 0: off), inside the KV budget, see {@link PrefixCache}.</li>
 * </ul>
 */
public record DjlOptions(String path, String deviceName, int kvCacheMb, int maxBatch, String chatTemplate,
                         boolean ignoreEos, int prefillTokensPerStep, boolean scripted,
                         boolean eagerOverlap, QueryOrder.Policy scheduling, int prefixCacheMb) {

    static final Set<String> KEYS = Set.of("path", "device", "kv_cache_mb", "max_batch", "chat_template", "ignore_eos",
            "prefill_tokens_per_step", "graph", "overlap_prefill", "scheduling",
            "prefix_cache_mb");

    /** Default of {@code prefill_tokens_per_step}. */
    public static final int PREFILL_TOKENS_PER_STEP = 1024;

    public DjlOptions(String path, String deviceName, int kvCacheMb, int maxBatch, String chatTemplate) {
        this(path, deviceName, kvCacheMb, maxBatch, chatTemplate, false, PREFILL_TOKENS_PER_STEP, true, false,
                QueryOrder.Policy.QUERY, kvCacheMb / 4);
    }

    public DjlOptions(String path, String deviceName, int kvCacheMb, int maxBatch, String chatTemplate,
                      boolean ignoreEos) {
        this(path, deviceName, kvCacheMb, maxBatch, chatTemplate, ignoreEos, PREFILL_TOKENS_PER_STEP, true, false,
                QueryOrder.Policy.QUERY, kvCacheMb / 4);
    }

    public static DjlOptions of(EngineSpec spec) {
        Map<String, String> o = spec.options();
        for (String k : o.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("model '" + spec.model() + "': unknown djl option '" + k
                        + "' (known: " + KEYS + ")");
            }
        }
        String path = o.get("path");
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("model '" + spec.model() + "': djl option 'path' is required (a Hugging Face "
                    + "model directory or classpath:dev/moaflink/models/NAME)");
        }
        String device = o.getOrDefault("device", "auto");
        if (!Set.of("auto", "cpu", "gpu").contains(device)) {
            throw new IllegalArgumentException("model '" + spec.model() + "': device must be auto, cpu or gpu, was " + device);
        }
        int kv = positive(spec, o, "kv_cache_mb", 512);
        int batch = positive(spec, o, "max_batch", 16);
        String chat = o.getOrDefault("chat_template", "auto");
        if (!chat.equals("auto")) {
            ChatFormat.named(chat, null); // validates the name
        }
        String ignoreEos = o.getOrDefault("ignore_eos", "false");
        if (!ignoreEos.equals("true") && !ignoreEos.equals("false")) {
            throw new IllegalArgumentException("model '" + spec.model() + "': ignore_eos must be true or false, was " + ignoreEos);
        }
        int prefillBudget = positive(spec, o, "prefill_tokens_per_step", PREFILL_TOKENS_PER_STEP);
        String graph = o.getOrDefault("graph", "torchscript");
        if (!graph.equals("torchscript") && !graph.equals("ndarray")) {
            throw new IllegalArgumentException("model '" + spec.model() + "': graph must be torchscript or ndarray, was "
                    + graph);
        }
        String overlap = o.getOrDefault("overlap_prefill", "eager");
        if (!overlap.equals("idle_cores") && !overlap.equals("eager")) {
            throw new IllegalArgumentException("model '" + spec.model() + "': overlap_prefill must be eager or "
                    + "idle_cores, was " + overlap);
        }
        QueryOrder.Policy scheduling;
        try {
            scheduling = QueryOrder.Policy.named(o.getOrDefault("scheduling", "query"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model '" + spec.model() + "': " + e.getMessage());
        }
        int prefixMb = o.containsKey("prefix_cache_mb") ? nonNegative(spec, o, "prefix_cache_mb") : kv / 4;
        return new DjlOptions(path, device, kv, batch, chat, Boolean.parseBoolean(ignoreEos), prefillBudget,
                graph.equals("torchscript"), overlap.equals("eager"), scheduling, prefixMb);
    }

    Device device() {
        return switch (deviceName) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (!DjlEngine.gpuAvailable()) {
                    throw new IllegalArgumentException("device gpu requested, but libtorch sees no CUDA device: point "
                            + "PYTORCH_LIBRARY_PATH at a CUDA build of libtorch 2.7.1 (PYTORCH_FLAVOR=cu128), or use "
                            + "device auto or cpu");
                }
                yield Device.gpu();
            }
            default -> DjlEngine.gpuAvailable() ? Device.gpu() : Device.cpu();
        };
    }

    private static int nonNegative(EngineSpec spec, Map<String, String> o, String key) {
        String v = o.get(key);
        try {
            int n = Integer.parseInt(v.strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + spec.model() + "': " + key + " must be 0 or a positive "
                    + "integer, was '" + v + "'");
        }
    }

    private static int positive(EngineSpec spec, Map<String, String> o, String key, int otherwise) {
        String v = o.get(key);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + spec.model() + "': " + key + " must be a positive integer, was '"
                    + v + "'");
        }
    }
}
