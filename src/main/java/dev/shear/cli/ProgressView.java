package dev.shear.cli;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.JobState;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;

/// Shows a backup's progress: on a terminal one line redrawn in place (percent, MB/s, ETA, fleecing
/// space in use), otherwise plain lines at every 10 % and state change. Log lines are printed as
/// they come. Thread-safe.
final class ProgressView implements Consumer<BackupEvent> {
    private final PrintWriter out;
    private final boolean terminal;
    /// Last decile printed per disk (plain mode). Guarded by `this`.
    private final java.util.Map<String, Integer> decile = new java.util.HashMap<>();
    private boolean lineOpen;

    ProgressView(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public synchronized void accept(BackupEvent e) {
        switch (e) {
            case BackupEvent.Log l -> println("INFO: " + l.message());
            case BackupEvent.StateChanged s -> {
                if (s.state() == JobState.FAILED || s.state() == JobState.CANCELLED) {
                    println(s.disk() + ": " + s.state().name().toLowerCase(Locale.ROOT) + (s.error() == null ? "" : ": " + s.error()));
                }
            }
            case BackupEvent.Progress p -> progress(p);
        }
    }

    private void progress(BackupEvent.Progress p) {
        String line = render(p);
        if (terminal) {
            out.print("\r\033[2K" + line);
            out.flush();
            lineOpen = true;
            return;
        }
        int d = (int) Math.floor(p.fraction() * 10);
        Integer last = decile.get(p.disk());
        if (last == null || d > last) {
            decile.put(p.disk(), d);
            println(line);
        }
    }

    static String render(BackupEvent.Progress p) {
        long total = p.bytesTotal();
        String eta = p.bytesPerSecond() > 0 ? duration(p.bytesRemaining() / p.bytesPerSecond()) : "--:--";
        return String.format(Locale.ROOT, "%s: %3.0f%% %s of %s, %.1f MB/s, ETA %s%s", p.disk(), p.fraction() * 100,
                Sizes.format(p.bytesDone()), Sizes.format(total), p.bytesPerSecond() / 1e6, eta,
                p.fleeceAllocated() >= 0 ? ", fleecing " + Sizes.format(p.fleeceAllocated()) : "");
    }

    static String duration(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    private void println(String s) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println(s);
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
