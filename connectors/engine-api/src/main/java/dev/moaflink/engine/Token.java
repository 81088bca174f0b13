package dev.moaflink.engine;

/**
 * One generated token.
 *
 * @param id      token id in the model's vocabulary (simulated engines use a stable hash)
 * @param text    the decoded text piece, including any leading space
 * @param logProb natural-log probability the model gave this token (≤ 0)
 */
public record Token(int id, String text, float logProb) {}
