package dev.moaflink.scheduler.placement;

import java.util.Comparator;

/** Bigger shares (more requests of a more expensive model, then more memory) are placed first. */
public final class ShareDifficulty implements Comparator<Share> {

    @Override
    public int compare(Share a, Share b) {
        return Comparator.<Share>comparingDouble(s -> s.getRequests() * s.getModel().profile().output().mean())
                .thenComparingLong(s -> s.getModel().replicaMb())
                .thenComparing(Share::getId)
                .compare(a, b);
    }
}
