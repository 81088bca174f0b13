package dev.moaflink.job.backchannel;

import dev.moaflink.engine.EngineSession;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What runs against the dataflow. A Flink job graph is acyclic: a collector cannot send a record back to the agent
 * operator that runs a sibling it decided to stop, nor to the router ahead of it that deals calls to replicas. Those
 * messages go through this channel instead, one per job run ({@link JobScope}), opened by each operator through the
 * {@link BackchannelFactory} it was built with and closed with it.
 *
 * <p>The stop path (early termination, settled bypasses): agent operators {@link #attach} themselves and register
 * the sessions of the calls they run; a collector {@link #stop}s a node, which cancels its session, or leaves a
 * tombstone when the node is not running yet, which its call {@link #claimStop claims} when it arrives (it then ends
 * CANCELLED without an engine call). A stopped node's result still flows to the collector through the dataflow.
 *
 * <p>Queue depth: the router and the collectors of one subtask count the calls in flight to each replica of a
 * model ({@link #inFlight}); the router sends, the collector that sees the result ends the count. They share a slot
 * (the job co-locates them), so this never leaves the JVM.
 *
 * <p>Implementations are thread-safe: engine threads register and cancel, task threads stop and claim.
 */
public interface Backchannel extends AutoCloseable {

    // ---- agent operators

    /** The agent operator at {@code agent} takes stops through this channel from now on, until it detaches. */
    void attach(AgentAddress agent);

    void detach(AgentAddress agent);

    /** A call's session is running: stopping its node cancels it (at once, when the node was already stopped). */
    void running(EngineSession session);

    /** The call ended: its session is no longer cancelled through this channel. */
    void ended(EngineSession session);

    /** Whether the node of {@code requestId} ({@code queryId/nodeId}) was stopped before it ran; claims the stop. */
    boolean claimStop(String requestId);

    /** Whether the node of {@code requestId} was stopped before it ran, leaving the stop for its run to claim. */
    boolean isStopped(String requestId);

    // ---- collectors

    /** Whether a stop sent through this channel reaches the agent operator at {@code agent}. */
    boolean reaches(AgentAddress agent);

    /**
     * Stops node {@code nodeId} of query {@code queryId}: cancels its running session, else leaves a tombstone for its
     * call (or its session, should it start meanwhile).
     *
     * @param where the agent operators that may run the node (every replica of its model): a channel that reaches
     *              other processes sends the stop to those it does not reach here
     * @return true when a running session was cancelled in this JVM
     */
    boolean stop(String queryId, String nodeId, List<AgentAddress> where);

    /** A stop sent from another process reached an agent operator of this JVM: applies it here. */
    void stopHere(StopEvent stop);

    /** Stops sent to other processes so far, one per agent operator addressed (0 for a channel that sends none). */
    default long remoteStops() {
        return 0;
    }

    /** The query's answer is out, so no call of it is still coming: drops its tombstones. */
    void forget(String queryId);

    // ---- routers and collectors of one subtask

    /** Calls in flight to each of a model's {@code replicas}, shared by the router and collectors of {@code subtask}. */
    AtomicIntegerArray inFlight(int subtask, String model, int replicas);

    /** Releases this operator's use of the channel. */
    @Override
    void close();
}
