package dev.shear.cli;

import dev.shear.datacenter.archive.TaskProgress;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.util.Locale;

/// Shows a restore's or verify's progress in bytes: on a terminal one line redrawn in place,
/// otherwise a plain line at every 10 %. Thread-safe (the task calls it from its own thread).
final class ByteProgress implements TaskProgress {
    private final PrintWriter out;
    private final boolean terminal;
    private final String what;
    private final long t0 = System.nanoTime();
    /// Guarded by `this`.
    private int decile = -1;
    private boolean lineOpen;

    ByteProgress(PrintWriter out, boolean terminal, String what) {
        this.out = out;
        this.terminal = terminal;
        this.what = what;
    }

    @Override
    public synchronized void progress(long done, long total) {
        double fraction = total == 0 ? 1 : (double) done / total;
        double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
        String line = String.format(Locale.ROOT, "%s: %3.0f%% %s of %s, %.1f MB/s", what, fraction * 100,
                Sizes.format(done), Sizes.format(total), done / seconds / 1e6);
        if (terminal) {
            out.print("\r\033[2K" + line);
            lineOpen = true;
        } else {
            int d = (int) Math.floor(fraction * 10);
            if (d <= decile) {
                return;
            }
            decile = d;
            out.println(line);
        }
        out.flush();
    }

    /// Ends an open progress line.
    synchronized void finish() {
        if (lineOpen) {
            out.println();
            out.flush();
            lineOpen = false;
        }
    }
}
