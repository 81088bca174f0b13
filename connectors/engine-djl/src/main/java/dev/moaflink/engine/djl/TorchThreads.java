package dev.moaflink.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's intra-op thread count, set once per JVM before the first engine runs. Default 1: every model has its
 * own scheduler thread, and those threads (plus Flink's) are the parallelism; with the libtorch default (one
 * OpenMP thread per core) each small operation fans out and spins on two shared cores, which the {@code engine}
 * benchmark measured at half the batched decode throughput of one thread. Override with the system property
 * {@code ai.djl.pytorch.num_threads} (DJL applies it itself) or the environment variable {@code MOA_TORCH_THREADS}
 * (large models on a many-core CPU want more).
 */
final class TorchThreads {

    static final String PROPERTY = "ai.djl.pytorch.num_threads";
    static final String ENV = "MOA_TORCH_THREADS";
    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);
    private static boolean configured;
    private static volatile int threads = 1;

    private TorchThreads() {}

    static synchronized void configure() {
        if (configured) {
            return;
        }
        configured = true;
        if (System.getProperty(PROPERTY) != null) {
            Engine.getEngine("PyTorch"); // DJL sets it when the PyTorch engine starts
            threads = Math.max(1, JniUtils.getNumThreads());
            return;
        }
        int n = parse(System.getenv(ENV));
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(n);
        threads = n;
        LOG.info("libtorch intra-op threads: {} (set {} or -D{} to change)", n, ENV, PROPERTY);
    }

    /** Intra-op threads each libtorch operation uses (after {@link #configure}). */
    static int threads() {
        return threads;
    }

    static int parse(String value) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ENV + " must be a positive integer, was '" + value + "'");
        }
    }
}
