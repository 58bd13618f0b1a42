package dev.shear.cli;

import dev.shear.datacenter.archive.TaskRun;
import java.util.concurrent.TimeUnit;

/// While open, a Ctrl-C (JVM shutdown) cancels a running task and waits a while for it to undo its
/// work (a half-restored guest is removed), so the process does not end mid-rollback.
final class CancelOnExit implements AutoCloseable {
    private static final long WAIT_SECONDS = 60;

    private final Thread hook;

    CancelOnExit(TaskRun<?> run) {
        this.hook = Thread.ofPlatform().unstarted(() -> {
            run.cancel();
            try {
                run.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting (Ctrl-C): the hook is running and cancels the task
            System.getLogger(CancelOnExit.class.getName()).log(System.Logger.Level.DEBUG, "shutting down");
        }
    }
}
