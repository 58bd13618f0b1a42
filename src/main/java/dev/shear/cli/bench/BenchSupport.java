package dev.shear.cli.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/// Helpers shared by the benchmark commands: timing, medians, dropping caches, running peer tools
/// (`cp`, `qemu-img`) and printing tables.
final class BenchSupport {
    private BenchSupport() {
    }

    /// Something timed.
    interface Timed {
        void run() throws Exception;
    }

    /// Seconds `t` took.
    static double time(Timed t) throws Exception {
        long t0 = System.nanoTime();
        t.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /// Flushes dirty pages and drops the page cache when allowed (root); returns whether it did.
    static boolean dropCaches() throws IOException, InterruptedException {
        run(List.of("sync"));
        Path knob = Path.of("/proc/sys/vm/drop_caches");
        if (Files.isWritable(knob)) {
            try {
                Files.writeString(knob, "3\n");
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /// Waits until the disks have been idle for two seconds (at most a minute): deleting the last
    /// run's images makes a file system mounted with `discard` send discards for a while after
    /// `sync`, which would land in the next measurement.
    static void settle() throws IOException, InterruptedException {
        Path stats = Path.of("/proc/diskstats");
        if (!Files.isReadable(stats)) {
            return;
        }
        List<String> disks = new ArrayList<>();      // whole disks: those in /sys/block, not loop or ram devices
        try (var s = Files.list(Path.of("/sys/block"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.matches("(loop|ram|zram).*")).forEach(disks::add);
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        String last = diskCounters(stats, disks);
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < 2_000_000_000L) {
            Thread.sleep(250);
            String now = diskCounters(stats, disks);
            if (!now.equals(last)) {
                quietSince = System.nanoTime();
                last = now;
            }
        }
    }

    /// The I/O counters of `disks` in `/proc/diskstats`.
    private static String diskCounters(Path stats, List<String> disks) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(stats)) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 13 && disks.contains(f[2])) {
                b.append(f[2]).append(' ').append(f[3]).append(' ').append(f[7]).append(' ');
                if (f.length > 14) {
                    b.append(f[14]);                      // discards completed (kernel 4.18+)
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /// Runs a command, failing with its output when it exits non-zero.
    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }

    /// True when `tool` is on the PATH.
    static boolean have(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static String mbps(long bytes, double seconds) {
        return String.format(Locale.ROOT, "%.0f", bytes / seconds / 1e6);
    }

    static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /// A plain-text table with right-aligned numeric columns.
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(Object... cells) {
            rows.add(Arrays.stream(cells).map(String::valueOf).toArray(String[]::new));
        }

        void print(PrintWriter out) {
            int cols = rows.get(0).length;
            int[] w = new int[cols];
            for (String[] r : rows) {
                for (int i = 0; i < cols; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            for (int k = 0; k < rows.size(); k++) {
                String[] r = rows.get(k);
                StringBuilder sb = new StringBuilder("| ");
                for (int i = 0; i < cols; i++) {
                    String c = r[i];
                    sb.append(i == 0 ? pad(c, w[i], false) : pad(c, w[i], true)).append(" | ");
                }
                out.println(sb.toString().stripTrailing());
                if (k == 0) {
                    StringBuilder sep = new StringBuilder("|");
                    for (int i = 0; i < cols; i++) {
                        sep.append(i == 0 ? "-" : "").append("-".repeat(w[i] + (i == 0 ? 1 : 1))).append(i == 0 ? "|" : ":|");
                    }
                    out.println(sep);
                }
            }
            out.flush();
        }

        private static String pad(String s, int w, boolean right) {
            String fill = " ".repeat(Math.max(0, w - s.length()));
            return right ? fill + s : s + fill;
        }
    }
}
