package dev.moaflink.bench;

/**
 * A variant's figures against dense's on the same queries, paired by query id.
 *
 * @param speedup         dense's p50 ÷ the variant's; null without dense or for a p50 of 0 ms
 * @param accuracyDeltaPp the variant's accuracy minus dense's, in percentage points; null without gold answers
 * @param paired          the questions one got right and the other wrong; null without gold answers
 */
record VersusDense(Double speedup, Double accuracyDeltaPp, VariantMetrics.Paired paired) {

    /** {@code dense} may be null (not selected or failed): then nothing is compared. */
    static VersusDense of(VariantOutcome variant, VariantOutcome dense) {
        if (dense == null) {
            return new VersusDense(null, null, null);
        }
        VariantMetrics v = variant.metrics();
        VariantMetrics d = dense.metrics();
        Double speedup = v.p50Ms() > 0 ? d.p50Ms() / v.p50Ms() : null;
        if (v.accuracy() == null || d.accuracy() == null) {
            return new VersusDense(speedup, null, null);
        }
        return new VersusDense(speedup, (v.accuracy() - d.accuracy()) * 100,
                VariantMetrics.Paired.of(v.correct(), d.correct()));
    }
}
