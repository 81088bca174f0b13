package dev.moaflink.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.moaflink.engine.EngineInfo;
import dev.moaflink.engine.EngineLoad;
import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.SessionRequest;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process inference of one Hugging Face Llama-family model with DJL's PyTorch engine.
 *
 * <p>One scheduler thread ({@link SchedulerLoop}) owns the model and every session's KV cache. Each turn it applies
 * the commands callers queued (new prompt text, generate, cancel, close), prefills waiting prompts
 * ({@link PrefillPlanner}), then runs one batched decode step for up to max_batch decoding sessions
 * ({@link DecodeStepper}; continuous batching: sessions join and leave between steps). Prompts whose generate was
 * called (on a caller's critical path) are prefilled first; text appended ahead of generate (prefill/decode overlap)
 * is speculative work and yields to them, to decoding and to callers' commands. Prompt text is prefilled as it is
 * appended.
 *
 * <p>KV memory is budgeted in tokens ({@link KvBudget}). Prefill grows a session's reservation as it goes; generate
 * reserves prompt + max_tokens (capped at the context length) up front, so a decoding session never runs out. Work
 * that does not fit waits in order ({@link Admission}; its time is reported as queue time); a request that could
 * never fit fails at once with the numbers.
 *
 * <p>Sessions compete in a {@link QueryOrder} (by default the earliest-arrived query first), and prompts that start
 * alike share their keys and values through a {@link PrefixCache}.
 */
public final class DjlEngine implements LlmEngine {

    /** Real, wall-clock, with a live KV cache that appends extend. */
    static final EngineInfo INFO = new EngineInfo("djl", false, false, true);

    private static final Logger LOG = LoggerFactory.getLogger(DjlEngine.class);

    private final String name;
    private final NDManager manager;
    private final LlamaModel model;
    private final TextCodec codec;
    private final DecodeBatch batch;
    private final KvBudget budget;
    /** Null with prefix_cache_mb 0. */
    private final PrefixCache prefixes;
    private final PrefillRunner prefill;
    private final DecodeStepper decoder;
    private final SchedulerLoop scheduler;

    DjlEngine(String name, Path dir, DjlOptions options) {
        this(name, dir, options, CoreShare.CPU);
    }

    /** With the CPU share its speculative prefill yields to (tests use their own). */
    DjlEngine(String name, Path dir, DjlOptions options, CoreShare cores) {
        this.name = name;
        Device device = options.device();
        TorchThreads.configure();
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            this.model = LlamaModel.load(dir, manager, options.scripted());
            this.codec = TextCodec.load(dir, model.config(), options.chatTemplate());
            this.batch = new DecodeBatch(manager, model.config());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.budget = new KvBudget(options.kvCacheMb(), model.config());
        QueryOrder order = new QueryOrder(options.scheduling());
        this.prefixes = options.prefixCacheMb() == 0 ? null : new PrefixCache(manager, model.config().layers(), budget,
                options.prefixCacheMb() * 1024L * 1024L / model.config().kvBytesPerToken());
        this.prefill = new PrefillRunner(manager, model, prefixes);
        this.decoder = new DecodeStepper(manager, model, codec, batch, order, options);
        this.scheduler = new SchedulerLoop(name, options, budget, order, prefill, decoder,
                options.eagerOverlap() || device.isGpu() ? null : cores);
        scheduler.start();
        LOG.info("DJL engine '{}' loaded {} ({} layers, hidden {}, vocab {}) on {}; KV budget {} tokens; chat format {}",
                name, dir, model.config().layers(), model.config().hiddenSize(), model.config().vocabSize(), device,
                budget.capacityTokens(), codec.chat().name());
    }

    @Override
    public String model() {
        return name;
    }

    @Override
    public EngineInfo info() {
        return INFO;
    }

    @Override
    public EngineLoad load() {
        return scheduler.load();
    }

    TextCodec codec() {
        return codec;
    }

    /** Tokens of KV cache the budget holds. */
    public long capacityTokens() {
        return budget.capacityTokens();
    }

    /** Batched decode steps run so far (tests and benchmarks). */
    public long steps() {
        return decoder.steps();
    }

    /** Prefill forward passes run so far (tests and benchmarks). */
    public long prefillCalls() {
        return prefill.calls();
    }

    /** Prompt tokens computed by prefill so far (tests and benchmarks). */
    public long prefilledTokens() {
        return prefill.tokens();
    }

    /** Prompt tokens copied from the prefix cache instead of computed, so far (tests and benchmarks). */
    public long reusedPromptTokens() {
        return prefill.reusedTokens();
    }

    @Override
    public EngineSession open(SessionRequest request) {
        if (!scheduler.running()) {
            throw new IllegalStateException("engine '" + name + "' is closed");
        }
        return new DjlSession(request, codec, budget, scheduler);
    }

    /** Runs {@code command} on the scheduler thread, in turn with callers' commands (tests hold the scheduler). */
    void submit(Runnable command) {
        scheduler.submit(command);
    }

    @Override
    public void close() {
        if (!scheduler.running()) {
            return;
        }
        scheduler.close("engine '" + name + "' closed");
        if (prefixes != null) {
            prefixes.close();
        }
        batch.close();
        codec.close();
        model.close();
        manager.close();
    }

    /** Whether libtorch sees a CUDA device. */
    static boolean gpuAvailable() {
        return Engine.getEngine("PyTorch").getGpuCount() > 0;
    }
}
