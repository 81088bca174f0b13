package dev.moaflink.engine.djl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Which prompt is prefilled next, and how much of it, each scheduler turn. Prompts whose generate was called (on a
 * caller's critical path) go first, in the engine's {@link QueryOrder}, up to {@code prefill_tokens_per_step}; those
 * of queries served after the decoding ones at most {@value #LATER_QUERY_TOKENS} a turn. Text appended ahead of
 * generate (prefill/decode overlap) is speculative work and yields to them, to decoding and to callers' commands: it
 * runs in pieces of at most {@value #SPECULATIVE_CHUNK} tokens, lowest agent level first (after query order under
 * {@code scheduling: query}), while any session decodes at most one per turn and a quarter of the time
 * ({@link #SPECULATIVE_SHARE}); with option
 * {@code overlap_prefill: idle_cores}, on a CPU it runs only while the JVM's other engines leave a core free
 * ({@link CoreShare}). The last few tokens of appended text wait for the next part (they may merge with it), and if
 * re-tokenising the longer text changes earlier tokens, the cache is cut back to the common prefix. Scheduler thread
 * only.
 */
final class PrefillPlanner {

    /** Prompt tokens held back until more text or generate arrives (the tokeniser may merge them). */
    private static final int HOLD_BACK = 2;
    /**
     * Speculative prefill runs at most this many tokens per turn while sessions decode (chunked prefill): a long
     * prefix appended ahead cannot stall a decode step for longer than a piece this size takes.
     */
    static final int SPECULATIVE_CHUNK = 32;
    /**
     * While sessions decode, speculative prefill gets at most this share of the scheduler's time: each decode step
     * earns it credit, each piece spends it. Decoding sessions have callers waiting now; a prefix appended ahead
     * pays off only later (a piece per step of an aggregator opened ahead tripled the decode steps of the sessions
     * its parent waited for).
     */
    static final double SPECULATIVE_SHARE = 0.25;
    /** Credit decode steps can save up for speculative prefill that waits. */
    private static final long SPECULATIVE_CREDIT_CAP_NANOS = 2_000_000L;
    /**
     * While sessions decode, the prompt tokens prefilled per turn for queries served after theirs: a burst of new
     * queries then slows the decode steps of the queries before them by a piece this size a step, not by a whole
     * budget of prompts (under query-aware scheduling). Smaller pieces finish the first queries of a burst sooner and
     * all of them later (more decode steps): on the bundled models (a burst of 40, full mechanism set), 64 tokens took
     * the median query to 0.56 of the makespan at +34 % makespan, 256 tokens to 0.62-0.68 at -8 to -23 %, no limit
     * to 0.68 at -16 % (fifo: 0.76-0.80).
     */
    static final int LATER_QUERY_TOKENS = 256;
    /** Speculative text: the lowest agent level first (its inputs finish, and its generate comes, sooner). */
    private static final Comparator<DjlSession> BY_LEVEL = Comparator.comparingInt(DjlSession::level);

    /** Sessions with prompt tokens to prefill, oldest first. */
    private final Set<DjlSession> queue = new LinkedHashSet<>();
    private final Collection<DjlSession> queued = Collections.unmodifiableSet(queue);
    private final int tokensPerStep;
    private final KvBudget budget;
    private final QueryOrder order;
    private final PrefillRunner runner;
    private final DecodeStepper decoder;
    /** Null on a GPU or with overlap_prefill eager (the default). */
    private final CoreShare.Member share;
    /** Whether a caller's command waits for the scheduler. */
    private final BooleanSupplier commandWaiting;
    private boolean heldBack;
    /** Time speculative prefill may still take while sessions decode (see {@link #SPECULATIVE_SHARE}). */
    private long speculativeCreditNanos;
    /** Whether the prompt the last {@link #prefillOne} ran belongs to a query served after the decoding ones. */
    private boolean lastWasLater;

    PrefillPlanner(int tokensPerStep, KvBudget budget, QueryOrder order, PrefillRunner runner, DecodeStepper decoder,
                   CoreShare.Member share, BooleanSupplier commandWaiting) {
        this.tokensPerStep = tokensPerStep;
        this.budget = budget;
        this.order = order;
        this.runner = runner;
        this.decoder = decoder;
        this.share = share;
        this.commandWaiting = commandWaiting;
    }

    /** The sessions with prompt tokens to prefill, in the order they were queued (a read-only view). */
    Collection<DjlSession> queued() {
        return queued;
    }

    /** Queues a session whose prompt target changed (no-op if it is queued). */
    void add(DjlSession s) {
        queue.add(s);
    }

    void remove(DjlSession s) {
        queue.remove(s);
    }

    /** Whether speculative prefill waits for a free core and nothing else is left to do. */
    boolean heldBack() {
        return heldBack;
    }

    /** Whether a prompt whose generate was called waits for prefill. */
    boolean generatePending() {
        for (DjlSession s : queue) {
            if (s.prompt().isFinal()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Prefills waiting prompts, in the engine's order, until none is left or this step's token budget is spent (a prompt
     * of a query served before the decoding ones is never split: the one that crosses the budget runs whole); then
     * speculative pieces. Prefill before decode lets sessions that arrive together join the decode batch at the same
     * step instead of one per step. Prompts of queries served after the first decoding session's query get at most
     * {@value #LATER_QUERY_TOKENS} tokens a turn, in pieces, so that they cannot hold up the decode steps of earlier
     * queries (under {@code scheduling: fifo} every prompt goes first, as it comes).
     */
    void prefill() {
        int done = 0;
        QueryOrder.Ordered first = order.policy() == QueryOrder.Policy.FIFO ? null : firstDecoding();
        int later = LATER_QUERY_TOKENS;
        while (done < tokensPerStep && !queue.isEmpty()) {
            int n = prefillOne(true, Integer.MAX_VALUE, first, later);
            if (n < 0) {
                break; // no prompt of a generate is waiting (or what is waits for memory, or comes later)
            }
            if (n > 0 && first != null && lastWasLater) {
                later -= n;
            }
            done += n;
        }
        heldBack = false;
        // Speculative prefill, in pieces of at most SPECULATIVE_CHUNK tokens (chunked prefill): while sessions decode
        // here at most one piece per turn and SPECULATIVE_SHARE of the time, so that it cannot stall decoding for
        // long; otherwise pieces until the step's budget is spent. Before each piece: a caller's command (a
        // generate) goes first, and with idle_cores on a CPU the other engines' callers must leave a core free (else
        // it waits and the share wakes it), so a prefix started while the cores were idle yields within one piece.
        int pieces = 0;
        while (done < tokensPerStep && !queue.isEmpty() && (decoder.decoding().isEmpty() || pieces == 0)) {
            if (commandWaiting.getAsBoolean() || !decoder.decoding().isEmpty() && speculativeCreditNanos <= 0) {
                return;
            }
            if (share != null && !share.spare()) {
                heldBack = !generatePending();
                return;
            }
            long t0 = System.nanoTime();
            int n = prefillOne(false, SPECULATIVE_CHUNK, null, 0);
            if (n < 0) {
                return; // everything left waits for memory
            }
            if (!decoder.decoding().isEmpty()) {
                speculativeCreditNanos -= System.nanoTime() - t0;
            }
            done += n;
            pieces++;
        }
    }

    /** A decode step's forward took {@code nanos}: speculative prefill that waits earns its share of that time. */
    void decoded(long nanos) {
        if (queue.isEmpty()) {
            speculativeCreditNanos = Math.min(0, speculativeCreditNanos); // no saving up while nothing waits
        } else {
            long earned = (long) (nanos * SPECULATIVE_SHARE / (1 - SPECULATIVE_SHARE));
            speculativeCreditNanos = Math.min(SPECULATIVE_CREDIT_CAP_NANOS, speculativeCreditNanos + earned);
        }
    }

    /** The decoding session served first in the engine's order, or null when none decodes. */
    private QueryOrder.Ordered firstDecoding() {
        QueryOrder.Ordered first = null;
        Comparator<QueryOrder.Ordered> c = order.comparator(System.currentTimeMillis());
        for (DjlSession s : decoder.decoding()) {
            if (first == null || c.compare(s, first) < 0) {
                first = s;
            }
        }
        return first;
    }

    /**
     * Prefills the first session in the engine's order with prompt tokens not yet in its cache, among those whose
     * generate was called when {@code generating}, else among all, lowest
     * {@link dev.moaflink.engine.SessionRequest#level} first, at most {@code maxTokens} of it (the rest stays queued);
     * a generating prompt of a query served after {@code first}'s (when not null) at most {@code laterTokens}, and
     * none when that is 0. Returns the tokens it ran (0 when it only dropped a session with nothing to run), or -1
     * when no such queued session can run now.
     */
    private int prefillOne(boolean generating, int maxTokens, QueryOrder.Ordered first, int laterTokens) {
        Iterable<DjlSession> turn = queue;
        Comparator<QueryOrder.Ordered> byOrder = order.comparator(System.currentTimeMillis());
        if (queue.size() > 1) {
            List<DjlSession> ordered = new ArrayList<>(queue);
            Comparator<DjlSession> speculative = order.policy() == QueryOrder.Policy.QUERY
                    ? Comparator.comparing(DjlSession::ticket).thenComparing(BY_LEVEL).thenComparing(byOrder)
                    : BY_LEVEL.thenComparing(byOrder);
            ordered.sort(generating ? byOrder : speculative);
            turn = ordered;
        }
        for (DjlSession s : turn) {
            PromptTarget prompt = s.prompt();
            boolean isFinal = prompt.isFinal();
            if (generating && !isFinal) {
                continue;
            }
            if (s.cancelRequested()) {
                queue.remove(s);
                return 0;
            }
            boolean later = first != null && s.ticket() != first.ticket() && byOrder.compare(s, first) > 0;
            int limit = later ? laterTokens : maxTokens;
            if (limit <= 0) {
                return -1; // the rest are served after the decoding queries; their turn comes with the next step
            }
            int[] full = isFinal ? prompt.ids()
                    : Arrays.copyOf(prompt.ids(), Math.max(0, prompt.ids().length - HOLD_BACK));
            int common = s.kv().commonPrefix(full);
            if (isFinal && common == full.length) {
                common--; // the last prompt token must run to give the first output's logits
            }
            int fresh = full.length - common;
            if (fresh <= 0) {
                queue.remove(s);
                return 0;
            }
            int[] target = full;
            boolean whole = true;
            if (fresh > limit) {
                target = Arrays.copyOf(full, common + limit);
                fresh = limit;
                whole = false;
            }
            if (!isFinal && !budget.reserve(s.reservation(), target.length)) {
                continue; // waits for memory; generate-admitted sessions go first
            }
            lastWasLater = later;
            float[] firstLogProbs = runner.run(s, target, common, isFinal && whole);
            if (isFinal && whole) {
                queue.remove(s);
                decoder.start(s, firstLogProbs);
            } else if (whole) {
                queue.remove(s); // back in the queue when more text (or generate) arrives
            }
            return fresh;
        }
        return -1;
    }
}
