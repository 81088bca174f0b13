package dev.moaflink.engine;

/** Receives generated tokens in order. Must be quick: it runs on an engine thread. */
@FunctionalInterface
public interface TokenListener {
    void onToken(Token token);

    TokenListener NONE = t -> { };
}
