package dev.moaflink.job.backchannel;

import java.io.Serializable;
import java.util.Objects;

/**
 * Where a node's calls run: an agent operator (its uid in the job graph) and its subtask. A collector asks its
 * backchannel whether it {@link Backchannel#reaches} an address before it counts on stopping a node there.
 */
public record AgentAddress(String operatorId, int subtask) implements Serializable {

    public AgentAddress {
        Objects.requireNonNull(operatorId, "operatorId");
    }

    @Override
    public String toString() {
        return operatorId + "#" + subtask;
    }
}
