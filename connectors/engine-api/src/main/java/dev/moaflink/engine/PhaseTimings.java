package dev.moaflink.engine;

/**
 * Per-phase durations of one session, in milliseconds of the engine's clock (virtual for virtual-time
 * engines, see {@link EngineInfo#virtualTime()}).
 *
 * @param queueMs          from open until the engine admitted the session (KV budget, batch slots)
 * @param prefillMs        all prefill work, including increments prefilled before generate was called
 * @param prefillExposedMs the part of prefill that ran after generate was called (on the critical path)
 * @param decodeMs         from the start of decoding to the last token
 * @param firstTokenMs     from generate to the first token
 */
public record PhaseTimings(double queueMs, double prefillMs, double prefillExposedMs, double decodeMs,
                           double firstTokenMs) {

    public static final PhaseTimings ZERO = new PhaseTimings(0, 0, 0, 0, 0);

    /** Time the session occupied the engine: prefill plus decode. */
    public double busyMs() {
        return prefillMs + decodeMs;
    }
}
