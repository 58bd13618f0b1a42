package dev.shear.datacenter.vzdump;

import dev.shear.backup.BackupJob;
import dev.shear.backup.GuestBackup;
import dev.shear.datacenter.TaskId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/// A guest backup in progress: wait for it, cancel it, or look at its jobs (cluster maps).
public final class BackupRun {
    private final TaskId task;
    private final int vmid;
    final CompletableFuture<BackupOutcome> outcome = new CompletableFuture<>();
    /// Set once the engine started; read by cancel and jobs.
    private volatile GuestBackup engine;
    private volatile boolean cancelled;

    BackupRun(TaskId task, int vmid) {
        this.task = task;
        this.vmid = vmid;
    }

    public TaskId task() {
        return task;
    }

    public int vmid() {
        return vmid;
    }

    void started(GuestBackup engine) {
        this.engine = engine;
        if (cancelled) {
            engine.cancel();
        }
    }

    boolean isCancelled() {
        return cancelled;
    }

    /// Cancels the backup: before the engine starts, nothing is copied; afterwards the jobs stop
    /// between tasks. The archive is removed and fleecing images freed either way.
    public void cancel() {
        cancelled = true;
        GuestBackup e = engine;
        if (e != null) {
            e.cancel();
        }
    }

    /// Changes the bandwidth limit while running (bytes/s, 0 = unlimited).
    public void setBwlimit(long bytesPerSecond) {
        GuestBackup e = engine;
        if (e != null) {
            e.setSpeed(bytesPerSecond);
        }
    }

    /// The disk jobs (empty until the point in time is taken).
    public List<BackupJob> jobs() {
        GuestBackup e = engine;
        return e == null ? List.of() : e.jobs();
    }

    /// Waits for the end.
    public BackupOutcome await() throws InterruptedException {
        try {
            return outcome.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("backup thread failed", e.getCause());
        }
    }

    /// Waits at most `timeout`; null while still running.
    public BackupOutcome await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            return outcome.get(timeout, unit);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("backup thread failed", e.getCause());
        }
    }

    public boolean isDone() {
        return outcome.isDone();
    }
}
