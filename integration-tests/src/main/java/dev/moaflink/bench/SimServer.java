package dev.moaflink.bench;

/** The simulated engine as the load benchmark serves it: the sim preset in real time (contention to come). */
final class SimServer {

    private SimServer() {}

    static JobArgs args() {
        return new JobArgs();
    }
}
