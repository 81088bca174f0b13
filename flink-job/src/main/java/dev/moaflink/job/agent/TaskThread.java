package dev.moaflink.job.agent;

import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * Hands work to an operator's task thread, where all of its state lives: engine threads post it to the mailbox, and
 * work that is already on the task thread (an engine that completes synchronously) runs at once.
 */
public final class TaskThread {

    private final MailboxExecutor mailbox;
    private final Thread thread;

    /** The thread that calls this is the task thread. */
    public TaskThread(MailboxExecutor mailbox) {
        this.mailbox = mailbox;
        this.thread = Thread.currentThread();
    }

    /** Runs {@code action} on the task thread: now when already there, else through the mailbox. */
    void run(ThrowingRunnable<? extends Exception> action, String description) {
        if (Thread.currentThread() == thread) {
            try {
                action.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        later(action, description);
    }

    /** Runs {@code action} through the mailbox, after the input being processed now. */
    void later(ThrowingRunnable<? extends Exception> action, String description) {
        try {
            mailbox.execute(action, description);
        } catch (RejectedExecutionException closing) {
            // The task is shutting down; calls in flight are re-run from checkpointed state on restore.
        }
    }

    /** Lets the mailbox run other work (engine results) while this thread waits, e.g. for capacity. */
    public void yieldToMailbox() throws InterruptedException {
        mailbox.yield();
    }
}
