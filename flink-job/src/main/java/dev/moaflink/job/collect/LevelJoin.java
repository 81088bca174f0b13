package dev.moaflink.job.collect;

import dev.moaflink.job.model.AgentChunk;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.topology.Topology;
import dev.moaflink.job.topology.TopologyNode;

/**
 * How a level's finished children become their parents' runs, in the job's clock: as they finish on the wall clock
 * ({@link WallClockJoin}), or replayed on a simulated engine's virtual clock once the whole level is in. Chosen once,
 * when the collector opens.
 */
public interface LevelJoin {

    /** A streamed piece of {@code child}'s output (its text is already in {@code p}). */
    void partial(Topology topology, TopologyNode child, AgentChunk chunk, LevelState p);

    /** {@code child} finished with {@code result} (its last text is already in {@code p}). */
    void finished(Topology topology, TopologyNode child, NodeResult result, LevelState p);
}
