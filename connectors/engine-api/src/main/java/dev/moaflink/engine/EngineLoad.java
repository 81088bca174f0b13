package dev.moaflink.engine;

/**
 * An engine's load at one moment, for gauges: how much work waits, how much runs, how full its KV memory is.
 *
 * @param waitingSessions  sessions waiting for admission (KV memory) or for their prefill
 * @param decodingSessions sessions in the decode batch
 * @param kvUsedTokens     KV-cache tokens reserved by live sessions
 * @param kvCapacityTokens KV-cache tokens the budget holds
 */
public record EngineLoad(int waitingSessions, int decodingSessions, long kvUsedTokens, long kvCapacityTokens) {}
