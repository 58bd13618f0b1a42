package dev.shear.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/// What Linux shows of this process's threads (`/proc/self/task`): nice value and policy.
public final class ThreadStats {
    /// `SCHED_BATCH`.
    public static final long BATCH = 3;

    private ThreadStats() {
    }

    /// The calling thread's nice value.
    public static long nice() throws IOException {
        return field(Files.readString(Path.of("/proc/thread-self/stat")), 19);
    }

    /// The calling thread's scheduling policy.
    public static long policy() throws IOException {
        return field(Files.readString(Path.of("/proc/thread-self/stat")), 41);
    }

    /// The nice values of this process's threads whose names (up to 15 characters) start with one
    /// of `prefixes`.
    public static List<Long> nices(String... prefixes) throws IOException {
        List<Long> nices = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String comm;
                String stat;
                try {
                    comm = Files.readString(t.resolve("comm")).strip();
                    stat = Files.readString(t.resolve("stat"));
                } catch (NoSuchFileException gone) {
                    continue;                           // the thread ended meanwhile
                }
                for (String p : prefixes) {
                    if (comm.startsWith(p)) {
                        nices.add(field(stat, 19));
                        break;
                    }
                }
            }
        }
        return nices;
    }

    /// Field `n` (1-based, as in proc(5)) of a `stat` line.
    private static long field(String stat, int n) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[n - 3]);
    }
}
