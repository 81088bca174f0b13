package dev.moaflink.job.collect;

import dev.moaflink.job.model.AgentCall;
import dev.moaflink.job.routing.AgentRoutes;
import dev.moaflink.job.routing.ReplicaChooser;
import dev.moaflink.job.topology.TopologyNode;

/**
 * Sends a level's calls to the agent operators of the next level. Each parent's replica is chosen once: when its
 * session is opened ahead, its later appends and its run follow it there.
 */
public final class CallSender {

    private final AgentRoutes routes;
    /** Null when no model is replicated. */
    private final ReplicaChooser chooser;
    private final CallOutput out;

    public CallSender(AgentRoutes routes, ReplicaChooser chooser, CallOutput out) {
        this.routes = routes;
        this.chooser = chooser;
        this.out = out;
    }

    /** Opens {@code parent}'s session ahead of its inputs, on the replica chosen for it now. */
    void open(TopologyNode parent, LevelState p, String prefix) {
        int pi = parent.index();
        p.replica[pi] = choose(parent);
        p.opened |= LevelState.bit(pi);
        out.emit(routes.tag(parent.level(), parent.model(), p.replica[pi]),
                AgentCall.open(p.query, parent.id(), parent.level(), parent.model(), prefix));
    }

    /** Appends {@code text} to {@code parent}'s open session. */
    void append(TopologyNode parent, LevelState p, String text) {
        out.emit(routes.tag(parent.level(), parent.model(), p.replica[parent.index()]),
                AgentCall.append(p.query, parent.id(), parent.level(), parent.model(), text));
    }

    /** Sends {@code parent}'s run: to its open session's replica, else to one chosen now. */
    public void run(TopologyNode parent, LevelState p, AgentCall.Run call) {
        int pi = parent.index();
        int replica = p.isOpened(parent) ? p.replica[pi] : choose(parent);
        out.emit(routes.tag(parent.level(), parent.model(), replica), call);
        p.emitted |= LevelState.bit(pi);
    }

    private int choose(TopologyNode parent) {
        return chooser == null ? 0 : chooser.choose(parent.model());
    }

    /** A node's result arrived: its replica has one call fewer in flight. */
    public void finished(String model, int replica) {
        if (chooser != null) {
            chooser.finished(model, replica);
        }
    }
}
