package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.config.ConfigLoader;
import dev.moaflink.job.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class LocalJobTest {

    /** Completed checkpoints of the running test job (one job at a time in this class). */
    static volatile CountDownLatch completed;

    @Test
    void aLocalRunSetsFlinksParallelismAndALowBufferTimeout(@TempDir Path runDir) {
        Configuration flink = LocalJob.flinkConfiguration(ConfigLoader.fromArgs(), runDir);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        assertEquals(1, env.getParallelism());
        assertEquals(5, env.getBufferTimeout(), "records leave network buffers within 5 ms, not Flink's 100");
    }

    @Test
    void aLocalStreamingRunCheckpointsStateBeyondTheJobManagersFiveMegabyteMemoryCapToFiles(@TempDir Path runDir)
            throws Exception {
        JobConfig config = ConfigLoader.fromArgs();
        Configuration flink = LocalJob.flinkConfiguration(config, runDir);
        assertEquals("exponential-delay", flink.get(RestartStrategyOptions.RESTART_STRATEGY),
                "a streaming local run restarts after a failure");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // here a failure must end the test, not loop
        completed = new CountDownLatch(2);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, flink);
        env.enableCheckpointing(200);
        env.fromSequence(0, Long.MAX_VALUE).map(new SixMegabytesOfState()).sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("six-megabytes");
        try {
            // Before, checkpoints went to the JobManager's memory and this one failed: "Size of the state is larger
            // than the maximum permitted memory-backed state. Size=6291..., maxSize=5242880", and the job with it.
            assertTrue(completed.await(90, TimeUnit.SECONDS), "two checkpoints of 6 MB of state completed");
            assertTrue(!job.getJobStatus().get().isGloballyTerminalState(), "the job still runs");
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(runDir.resolve("checkpoints"))) {
            assertTrue(files.anyMatch(Files::isDirectory), "checkpoints are files under the run directory");
        }
    }

    @Test
    void aBatchRunIsNotRestartedAndEveryRunGetsItsOwnDirectory() {
        JobConfig batch = ConfigLoader.fromArgs("--mode", "batch", "--batch.input", "in.jsonl", "--batch.output", "o");
        Path a = LocalJob.runDirectory("t");
        Path b = LocalJob.runDirectory("t");
        assertTrue(!a.equals(b) && Files.isDirectory(a) && Files.isDirectory(b));
        Configuration flink = LocalJob.flinkConfiguration(batch, a);
        assertEquals("none", flink.get(RestartStrategyOptions.RESTART_STRATEGY));
    }

    /** Passes numbers on; holds 6 MB of operator state and counts completed checkpoints. */
    static final class SixMegabytesOfState extends RichMapFunction<Long, Long>
            implements CheckpointedFunction, CheckpointListener {
        private transient ListState<byte[]> state;

        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(1); // a trickle: the test is about the checkpoints
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            byte[] ballast = new byte[6 << 20];
            java.util.Arrays.fill(ballast, (byte) context.getCheckpointId());
            state.update(java.util.List.of(ballast));
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            state = context.getOperatorStateStore().getListState(
                    new ListStateDescriptor<>("ballast", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            completed.countDown();
        }
    }
}
