package dev.shear.backup;

import dev.shear.block.BlockNode;
import dev.shear.copy.BlockCopy;
import dev.shear.copy.CbwFilter;
import dev.shear.util.IoThreads;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/// One disk's backup job: the background block-copy from the job's source (the live disk, or the
/// snapshot-access view with fleecing) to the backup target, with `max-workers` parallel tasks.
///
/// States: created → running ⇄ paused → completed | failed | cancelled. Pause and cancel take
/// effect between tasks (a task is at most one chunk). The job fails with the first worker error,
/// or with the copy-before-write error that broke the snapshot — always the original error.
///
/// `lock` guards `state`, `failure`, `cancelRequested` and `completeRequested`.
public final class BackupJob {
    private final String id;
    private final String disk;
    private final BlockCopy copy;
    private final CbwFilter cbw;
    private final BlockNode fleece;
    private final BackupOptions options;
    private final Consumer<BackupEvent> events;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private JobState state = JobState.CREATED;
    private Exception failure;
    private boolean cancelRequested;
    private boolean completeRequested;

    BackupJob(String id, String disk, BlockCopy copy, CbwFilter cbw, BlockNode fleece, BackupOptions options,
              Consumer<BackupEvent> events) {
        this.id = id;
        this.disk = disk;
        this.copy = copy;
        this.cbw = cbw;
        this.fleece = fleece;
        this.options = options;
        this.events = events;
    }

    public String id() {
        return id;
    }

    public String disk() {
        return disk;
    }

    /// The job's block-copy (source → backup target).
    public BlockCopy blockCopy() {
        return copy;
    }

    /// The disk's copy-before-write filter.
    public CbwFilter filter() {
        return cbw;
    }

    /// The fleecing image, or null.
    public BlockNode fleece() {
        return fleece;
    }

    public JobState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /// The error the job failed with, or null.
    public Exception failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    /// Stops claiming new work until [#resume()].
    public void pause() {
        lock.lock();
        try {
            if (state == JobState.RUNNING) {
                setState(JobState.PAUSED, null);
            }
        } finally {
            lock.unlock();
        }
    }

    public void resume() {
        lock.lock();
        try {
            if (state == JobState.PAUSED) {
                setState(JobState.RUNNING, null);
            }
        } finally {
            lock.unlock();
        }
    }

    /// Ends the job as cancelled as soon as the tasks in flight finish.
    public void cancel() {
        lock.lock();
        try {
            cancelRequested = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /// Ends a `sync=none` job successfully (it copies only on guest writes and never ends alone).
    public void complete() {
        lock.lock();
        try {
            completeRequested = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /// Changes the background copy rate (bytes/s, 0 = unlimited) while running.
    public void setSpeed(long bytesPerSecond) {
        copy.rateLimiter().setBytesPerSecond(bytesPerSecond);
    }

    /// Marks a job that never ran (an earlier disk failed, or the backup was cancelled first).
    void skip(String why) {
        lock.lock();
        try {
            if (state == JobState.CREATED) {
                failure = null;
                setState(JobState.CANCELLED, why);
            }
        } finally {
            lock.unlock();
        }
    }

    /// A picture of the job for drawing.
    public ClusterMap clusterMap() {
        boolean fleecing = fleece != null;
        return new ClusterMap(copy.copyBitmap().length(), copy.copyBitmap().snapshot(), copy.inFlightRanges(),
                cbw.doneBitmap().snapshot(), fleecing ? cbw.accessBitmap().snapshot() : null,
                cbw.guestWritten().snapshot(), fleecing);
    }

    /// Runs the job on the calling thread until it ends and returns its final state.
    JobState run() {
        lock.lock();
        try {
            if (cancelRequested) {
                setState(JobState.CANCELLED, null);
                return state;
            }
            setState(JobState.RUNNING, null);
        } finally {
            lock.unlock();
        }
        try {
            if (options.sync() == SyncMode.TOP) {
                copy.resetUnallocated();
            }
            if (options.sync() == SyncMode.NONE) {
                awaitCompleteOrCancel();
            } else {
                runWorkers();
            }
        } catch (IOException | RuntimeException e) {
            control.failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            control.failed(e);
        }
        return finish();
    }

    private void awaitCompleteOrCancel() throws InterruptedException {
        lock.lock();
        try {
            while (!cancelRequested && !completeRequested && failure == null) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private void runWorkers() throws InterruptedException {
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < options.perf().maxWorkers(); i++) {
            workers.add(Thread.ofPlatform().name("shear-copy-" + id + "-" + i).daemon()
                    .start(() -> {
                        IoThreads.becomeBackground();   // no guest request waits for it (decision 0024)
                        copy.backgroundWorker(control);
                    }));
        }
        for (Thread t : workers) {
            t.join();
        }
    }

    private JobState finish() {
        Exception error;
        boolean cancelled;
        lock.lock();
        try {
            error = failure;
            cancelled = cancelRequested;
        } finally {
            lock.unlock();
        }
        if (error == null && !cancelled) {
            IOException broken = cbw.snapshotError();
            if (broken != null) {
                error = broken;
            } else if (options.sync() != SyncMode.NONE && !copy.isComplete()) {
                error = new IOException("backup of " + disk + " stopped with " + copy.bytesRemaining()
                        + " bytes left to copy");
            } else {
                try {
                    copy.target().flush();
                } catch (IOException e) {
                    error = e;
                }
            }
        }
        lock.lock();
        try {
            if (error != null) {
                failure = error;
                setState(JobState.FAILED, message(error));
            } else if (cancelled) {
                setState(JobState.CANCELLED, null);
            } else {
                setState(JobState.COMPLETED, null);
            }
            return state;
        } finally {
            lock.unlock();
        }
    }

    /// The message a user sees for a failure.
    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /// Caller holds `lock`.
    private void setState(JobState next, String error) {
        state = next;
        changed.signalAll();
        events.accept(new BackupEvent.StateChanged(id, disk, next, error, Instant.now()));
    }

    private final BlockCopy.Control control = new BlockCopy.Control() {
        @Override
        public boolean awaitRunnable() throws InterruptedException {
            lock.lock();
            try {
                while (state == JobState.PAUSED && !cancelRequested && failure == null) {
                    changed.await();
                }
                return !cancelRequested && failure == null;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void failed(Exception error) {
            lock.lock();
            try {
                if (failure == null) {
                    failure = error;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean stopping() {
            lock.lock();
            try {
                return cancelRequested || failure != null;
            } finally {
                lock.unlock();
            }
        }
    };
}
