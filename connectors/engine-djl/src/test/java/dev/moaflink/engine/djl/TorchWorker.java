package dev.moaflink.engine.djl;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One thread that runs a test's model work, as the engine's scheduler thread does in production (libtorch state is
 * per thread); failures come back to the test unwrapped.
 */
final class TorchWorker implements AutoCloseable {

    interface Work {
        void run() throws Exception;
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor();

    <T> T call(java.util.concurrent.Callable<T> work) throws Exception {
        try {
            return thread.submit(work).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (Exception) e.getCause();
        }
    }

    void run(Work work) throws Exception {
        call(() -> {
            work.run();
            return null;
        });
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
