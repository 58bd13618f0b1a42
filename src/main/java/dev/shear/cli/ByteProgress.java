package dev.shear.cli;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.JobState;
import dev.shear.datacenter.archive.TaskProgress;
import java.io.PrintWriter;
import java.time.Instant;

/// Shows a restore's or verify's progress in bytes the way a backup's is shown ([ProgressView]):
/// on a terminal one line redrawn in place, otherwise a plain line at every 10 %. Thread-safe (the
/// task calls it from its own thread).
final class ByteProgress implements TaskProgress {
    private final ProgressView view;
    private final String what;
    private final long t0 = System.nanoTime();

    ByteProgress(PrintWriter out, boolean terminal, String what) {
        this.view = new ProgressView(out, terminal);
        this.what = what;
    }

    @Override
    public void progress(long done, long total) {
        double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
        view.accept(new BackupEvent.Progress(what, what, done < total ? JobState.RUNNING : JobState.COMPLETED, done,
                total - done, (long) (done / seconds), -1, Instant.now()));
    }

    /// Ends an open progress line.
    void finish() {
        view.finish();
    }
}
