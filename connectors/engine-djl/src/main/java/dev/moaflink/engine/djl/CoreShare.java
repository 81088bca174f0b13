package dev.moaflink.engine.djl;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CPU cores that the DJL engines of one JVM share, for the engine option {@code overlap_prefill: idle_cores}. An
 * engine has <em>foreground</em> work while a caller waits on it: a prompt whose generate was called, or a session
 * decoding. Text appended ahead of generate (the prefill/decode overlap) is <em>speculative</em>: run at once it
 * takes CPU from the very agents whose output it waits for (three experts decoding on two cores while an aggregator
 * prefills its prefix). With this option an engine runs speculative work only while the engines that have
 * foreground work, other than itself, leave a core free ({@link Member#spare}); an engine that had to wait is woken
 * when one of them goes idle. The default ({@code eager}) does not wait: speculative prefill in 32-token pieces,
 * time-sliced with the experts, measured better on two cores (the {@code faster-moa} benchmark), because waiting
 * left it all until the experts were done.
 *
 * <p>Each engine's scheduler thread runs one libtorch operation at a time with {@link TorchThreads} intra-op
 * threads, so an engine with foreground work occupies that many cores. Engines on a GPU do not take part (the
 * GPU batches their work; speculative prefill there is cheap).
 */
final class CoreShare {

    /** The JVM's CPU. */
    static final CoreShare CPU = new CoreShare(Runtime.getRuntime().availableProcessors());

    private final int cores;
    private final Set<Member> busy = ConcurrentHashMap.newKeySet();
    private final Set<Member> parked = ConcurrentHashMap.newKeySet();

    CoreShare(int cores) {
        this.cores = Math.max(1, cores);
    }

    /** A new member that occupies {@code threads} cores while it has foreground work; {@code wake} must not block. */
    Member join(int threads, Runnable wake) {
        return new Member(Math.max(1, threads), wake);
    }

    /** One engine's view of the share. */
    final class Member {

        private final int threads;
        private final Runnable wake;

        private Member(int threads, Runnable wake) {
            this.threads = threads;
            this.wake = wake;
        }

        /** Records whether this engine has foreground work; when it stops, parked engines are woken. */
        void foreground(boolean now) {
            if (now) {
                busy.add(this);
                return;
            }
            if (busy.remove(this)) {
                for (Member p : parked) {
                    if (p != this && parked.remove(p)) {
                        p.wake.run();
                    }
                }
            }
        }

        /**
         * Whether this engine may run speculative work now: the cores the other engines with foreground work occupy
         * leave one free. If not, it is parked and woken when one of them goes idle.
         */
        boolean spare() {
            if (free()) {
                return true;
            }
            parked.add(this);
            // Re-check: a core freed between the count and the park must not leave the engine asleep.
            return free() && parked.remove(this);
        }

        /** Leaves the share (engine closing). */
        void leave() {
            parked.remove(this);
            foreground(false);
        }

        private boolean free() {
            int occupied = 0;
            for (Member m : busy) {
                if (m != this) {
                    occupied += m.threads;
                }
            }
            return occupied < cores;
        }
    }
}
