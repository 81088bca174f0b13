package dev.moaflink.job.model;

/**
 * A finished node: its whole output, its trace, and the upstream traces that ride along with it.
 *
 * @param criticalPathMs engine busy time on the longest path ending at this node
 */
public record NodeResult(
        QueryTask query,
        String text,
        NodeTrace trace,
        double criticalPathMs,
        NodeTrace[] upstream) {}
