package dev.moaflink.scheduler.plan;

/** Which stage of the MoA pipeline a model serves: experts (proposers) first, then the aggregator. */
public enum Stage {
    EXPERT,
    AGGREGATOR
}
