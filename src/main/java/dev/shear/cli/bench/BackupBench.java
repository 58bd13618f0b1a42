package dev.shear.cli.bench;

import static dev.shear.cli.bench.BenchSupport.fmt;
import static dev.shear.cli.bench.BenchSupport.median;

import dev.shear.backup.BackupOptions;
import dev.shear.backup.EngineWarmup;
import dev.shear.backup.FleecingGranularity;
import dev.shear.backup.GuestBackup;
import dev.shear.backup.JobState;
import dev.shear.backup.Perf;
import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import dev.shear.block.DrainableNode;
import dev.shear.block.RawFileNode;
import dev.shear.block.RawOptions;
import dev.shear.block.ThrottleNode;
import dev.shear.block.WritebackPacer;
import dev.shear.block.load.LoadGenerator;
import dev.shear.block.load.LoadResult;
import dev.shear.block.load.LoadSpec;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.copy.WriteBehindStats;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/// `shear bench backup`: backup throughput against `cp` and `qemu-img convert`, and the guest's
/// write latency with no backup, with a backup to a slow target without fleecing, and with fleecing.
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Backup throughput of an image (4 workers, qcow2 target) against cp and qemu-img convert, "
                + "and guest write latency (in-process load generator) with no backup, a backup to a slow "
                + "target without fleecing, and with fleecing (with and without write-behind). Medians of interleaved "
                + "repetitions.")
public final class BackupBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "2G", description = "image size (default: ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--reps", defaultValue = "3", description = "repetitions (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--guest-seconds", defaultValue = "30", description = "guest load duration (default: ${DEFAULT-VALUE})")
    int guestSeconds;

    @Option(names = "--iops", defaultValue = "2000", description = "guest requests/s (default: ${DEFAULT-VALUE})")
    int iops;

    @Option(names = "--read-percent", defaultValue = "0", description = "guest reads among the requests, the rest "
            + "are 4 KiB random writes (default: ${DEFAULT-VALUE}, issue 3's measure; 20 mixes in reads as the side "
            + "by side does)")
    int readPercent;

    @Option(names = "--target-rate", defaultValue = "20M", description = "slow target bytes/s (default: ${DEFAULT-VALUE})")
    String targetRate;

    @Option(names = "--skip-throughput", description = "only measure latency")
    boolean skipThroughput;

    @Option(names = "--skip-latency", description = "only measure throughput")
    boolean skipLatency;

    @Option(names = "--skip-no-fleecing", description = "leave out the backup without fleecing (its guest writes "
            + "wait for the slow target, which takes long)")
    boolean skipNoFleecing;

    @Option(names = "--no-discard-source", description = "fleecing without discard-source (the fleecing image "
            + "keeps every copied cluster, as in QEMU 7.2)")
    boolean noDiscardSource;

    @Option(names = "--fleecing-cluster", description = "fleecing image cluster size, the copy-before-write "
            + "granularity (default: as Shear chooses for the disk)")
    String fleecingCluster;

    @Option(names = "--fleecing-format", defaultValue = "qcow2", description = "fleecing image format: qcow2 or raw "
            + "(default: ${DEFAULT-VALUE})")
    String fleecingFormat;

    /// [#fleecingFormat], parsed in [#call()].
    private ImageFormat format;

    @Option(names = "--cbw-timeout", description = "cbw-timeout of the backups with fleecing in seconds (default: "
            + "PVE's 45)")
    Long cbwTimeout;

    @Option(names = "--max-chunk", defaultValue = "0", description = "perf max-chunk of the backups in the latency "
            + "runs (default: ${DEFAULT-VALUE}, Shear's own: 1 MiB tasks, 256 KiB with fleecing)")
    String maxChunk;

    @Option(names = "--skip-no-write-behind", description = "leave out the backup with fleecing whose guest writes "
            + "wait for their copy-before-write (write-behind off, decision 0023)")
    boolean skipNoWriteBehind;

    @Option(names = "--dir", description = "scratch directory (default: a new one under /var/tmp)")
    Path dir;

    /// The fleecing scenario with every guest write waiting for its copy-before-write.
    private static final String NO_WRITE_BEHIND = "fleecing, no write-behind";

    /// @param writeBehind what the copy-before-write filter's write-behind held (NONE without a backup)
    private record LatencyRun(LoadResult load, long peakFleece, double backupSeconds, String check, double cpuSeconds,
                              WriteBehindStats writeBehind) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        format = ImageFormat.parse(fleecingFormat);
        if (readPercent < 0 || readPercent > 99) {
            throw new IllegalArgumentException("--read-percent must be between 0 and 99, not " + readPercent);
        }
        long bytes = Sizes.parse(size);
        Path scratch = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory(Path.of("/var/tmp"), "shear-bench-");
        Path golden = scratch.resolve("golden.raw");
        try {
            Images.warmUp(scratch);
            Images.makeSource(golden, bytes, 42);
            if (!skipThroughput) {
                throughput(out, golden, bytes, scratch);
            }
            if (!skipLatency) {
                latency(out, golden, bytes, scratch);
            }
        } finally {
            try (var files = Files.list(scratch)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            if (dir == null) {
                Files.deleteIfExists(scratch);
            }
        }
        return 0;
    }

    private void throughput(PrintWriter out, Path golden, long bytes, Path scratch) throws Exception {
        Map<String, List<Double>> t = new LinkedHashMap<>();
        Path target = scratch.resolve("target.qcow2");
        boolean qemu = BenchSupport.have("qemu-img");
        for (int rep = 0; rep < reps; rep++) {
            Files.deleteIfExists(target);
            BenchSupport.dropCaches();
            t.computeIfAbsent("shear backup, 4 workers -> qcow2", k -> new ArrayList<>()).add(BenchSupport.time(() -> {
                try (RawFileNode src = RawFileNode.open(golden, RawOptions.READ_ONLY);
                     Qcow2Node dst = Qcow2Node.create(target, Qcow2Options.of(bytes))) {
                    GuestBackup b = GuestBackup.prepare("bench", List.of(new GuestBackup.Disk("disk0",
                            new DrainableNode(src), dst, null, null)), BackupOptions.defaults().withPerf(new Perf(4, 0, 0)),
                            e -> { });
                    b.start();
                    GuestBackup.Result r = b.await();
                    if (r.state() != JobState.COMPLETED) {
                        throw new IllegalStateException("backup failed: " + r.error());
                    }
                }
            }));
            Files.deleteIfExists(target);
            if (qemu) {
                BenchSupport.dropCaches();
                t.computeIfAbsent("qemu-img convert -O qcow2 (+sync)", k -> new ArrayList<>()).add(BenchSupport.time(() -> {
                    BenchSupport.run(List.of("qemu-img", "convert", "-O", "qcow2", golden.toString(), target.toString()));
                    BenchSupport.run(List.of("sync", target.toString()));
                }));
                Files.deleteIfExists(target);
            }
            BenchSupport.dropCaches();
            Path cp = scratch.resolve("cp.raw");
            t.computeIfAbsent("cp --sparse=always (+sync)", k -> new ArrayList<>()).add(BenchSupport.time(() -> {
                BenchSupport.run(List.of("cp", "--sparse=always", golden.toString(), cp.toString()));
                BenchSupport.run(List.of("sync", cp.toString()));
            }));
            Files.deleteIfExists(cp);
        }
        out.println(fmt("Backup throughput: %s source (~94 %% allocated), %d repetitions, page cache dropped before each",
                Sizes.format(bytes), reps));
        BenchSupport.Table table = new BenchSupport.Table("method", "median s", "MB/s", "MB/s min..max");
        for (var e : t.entrySet()) {
            double m = median(e.getValue());
            table.row(e.getKey(), fmt("%.2f", m), BenchSupport.mbps(bytes, m),
                    BenchSupport.mbps(bytes, BenchSupport.max(e.getValue())) + ".." + BenchSupport.mbps(bytes, BenchSupport.min(e.getValue())));
        }
        table.print(out);
        double shear = median(t.get("shear backup, 4 workers -> qcow2"));
        out.println(fmt("shear / cp = %.2f (goal >= 0.9)", median(t.get("cp --sparse=always (+sync)")) / shear));
        if (qemu) {
            out.println(fmt("shear / qemu-img convert = %.2f", median(t.get("qemu-img convert -O qcow2 (+sync)")) / shear));
        }
        out.println();
        out.flush();
    }

    private void latency(PrintWriter out, Path golden, long bytes, Path scratch) throws Exception {
        long rate = Sizes.parse(targetRate);
        // as a running guest's process does before its first backup with fleecing (decision 0014)
        EngineWarmup.ensure().ifPresent(s -> out.println("  " + s.describe()));
        Map<String, List<LatencyRun>> runs = new LinkedHashMap<>();
        List<Double> excuses = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            BenchSupport.settle();
            Duration excused = LoadGenerator.idleOversleep(loadSpec(rep), CALIBRATION);
            excuses.add(excused.toNanos() / 1000.0);
            out.println(fmt("  rep %d idle generator oversleep p50 %d us: excused in every scenario of this rep",
                    rep + 1, excused.toNanos() / 1000));
            List<String> scenarios = new ArrayList<>(List.of("no backup", "backup, no fleecing", "backup + fleecing",
                    NO_WRITE_BEHIND));
            if (skipNoFleecing) {
                scenarios.remove("backup, no fleecing");
            }
            if (skipNoWriteBehind) {
                scenarios.remove(NO_WRITE_BEHIND);
            }
            for (String scenario : scenarios) {
                LatencyRun r = latencyRun(scenario, golden, bytes, scratch, rate, loadSpec(rep).withExcusedOversleep(excused));
                runs.computeIfAbsent(scenario, k -> new ArrayList<>()).add(r);
                out.println(fmt("  rep %d %-26s write p50/p99/p99.9 = %d/%d/%d us, generator oversleep p99/p99.9 %d/%d us, p99 from due %d us, %.0f w/s, peak fleece %s %s, CPU %.1f s, "
                        + "write-behind peak %s (%d writes over budget)",
                        rep + 1, scenario, r.load().writes().p50(), r.load().writes().p99(), r.load().writes().p999(),
                        r.load().oversleep().p99(), r.load().oversleep().p999(),
                        r.load().writesFromDue().p99(), r.load().writes().iops(), Sizes.format(Math.max(0, r.peakFleece())), r.check(), r.cpuSeconds(),
                        Sizes.format(r.writeBehind().peak()), r.writeBehind().overBudget()));
                out.flush();
            }
        }
        out.println(fmt("Guest latency: %d req/s (%d %% 4 KiB random writes, %d %% reads, QD 16) for %d s; backup target"
                + " throttled to %s/s; medians of %d", iops, 100 - readPercent, readPercent, guestSeconds,
                Sizes.format(rate), reps));
        out.println(fmt("Latency counts from when a request was due, less the generator's late wake-up for it up to"
                + " the idle machine's median (%.0f us, measured before each rep; decision 0025)", median(excuses)));
        BenchSupport.Table table = new BenchSupport.Table("scenario", "write IOPS", "write p50 us", "write p99 us",
                "write p99.9 us", "read p99 us", "oversleep p99 us", "peak fleecing", "backup s",
                "CPU s (guest running)", "backup == point in time");
        for (var e : runs.entrySet()) {
            List<LatencyRun> l = e.getValue();
            table.row(e.getKey(), fmt("%.0f", median(l.stream().map(x -> x.load().writes().iops()).toList())),
                    fmt("%.0f", median(l.stream().map(x -> (double) x.load().writes().p50()).toList())),
                    fmt("%.0f", median(l.stream().map(x -> (double) x.load().writes().p99()).toList())),
                    fmt("%.0f", median(l.stream().map(x -> (double) x.load().writes().p999()).toList())),
                    fmt("%.0f", median(l.stream().map(x -> (double) x.load().reads().p99()).toList())),
                    fmt("%.0f", median(l.stream().map(x -> (double) x.load().oversleep().p99()).toList())),
                    l.get(0).peakFleece() < 0 ? "-" : Sizes.format((long) median(l.stream().map(x -> (double) x.peakFleece()).toList())),
                    l.get(0).backupSeconds() < 0 ? "-" : fmt("%.1f", median(l.stream().map(LatencyRun::backupSeconds).toList())),
                    fmt("%.1f", median(l.stream().map(LatencyRun::cpuSeconds).toList())),
                    String.join(",", l.stream().map(LatencyRun::check).toList()));
        }
        table.print(out);
        double base = median(runs.get("no backup").stream().map(x -> (double) x.load().writes().p99()).toList());
        double fl = median(runs.get("backup + fleecing").stream().map(x -> (double) x.load().writes().p99()).toList());
        out.println(fmt("fleecing p99 / no-backup p99 = %.2f (goal <= 1.5)", fl / base));
        if (runs.containsKey(NO_WRITE_BEHIND)) {
            double sync = median(runs.get(NO_WRITE_BEHIND).stream().map(x -> (double) x.load().writes().p99()).toList());
            out.println(fmt("without write-behind: %.2f", sync / base));
        }
        double baseDue = median(runs.get("no backup").stream().map(x -> (double) x.load().writesFromDue().p99()).toList());
        double flDue = median(runs.get("backup + fleecing").stream().map(x -> (double) x.load().writesFromDue().p99()).toList());
        out.println(fmt("counted from when each write was due, no oversleep excused (the strictest measure):"
                + " write p99 %.0f us with fleecing, %.0f us with no backup, ratio %.2f", flDue, baseDue, flDue / baseDue));
        out.flush();
    }

    /// The guest load of repetition `rep`, its oversleep not excused yet.
    private LoadSpec loadSpec(int rep) {
        return new LoadSpec(iops, 1 - readPercent / 100.0, 4096, Duration.ofSeconds(guestSeconds), 16, 1000 + rep);
    }

    /// How long the idle generator's oversleep is measured before each repetition.
    private static final Duration CALIBRATION = Duration.ofSeconds(3);

    private LatencyRun latencyRun(String scenario, Path golden, long bytes, Path scratch, long rate, LoadSpec spec)
            throws Exception {
        Path disk = scratch.resolve("disk.raw");
        Path target = scratch.resolve("target.qcow2");
        Path fleece = scratch.resolve("fleece." + format.id());
        for (Path p : List.of(disk, target, fleece)) {
            Files.deleteIfExists(p);
        }
        BenchSupport.run(List.of("cp", "--sparse=always", golden.toString(), disk.toString()));
        BenchSupport.dropCaches();
        BenchSupport.settle();
        boolean backup = !scenario.equals("no backup");
        boolean fleecing = scenario.contains("fleecing") && !scenario.contains("no fleecing");
        // paced like a running guest's disk (decision 0018)
        try (RawFileNode image = RawFileNode.open(disk, RawOptions.READ_WRITE);
             WritebackPacer pacer = WritebackPacer.start("bench-writeback", List.of(image), WritebackPacer.ALWAYS)) {
            DrainableNode seat = new DrainableNode(image);
            if (!backup) {
                long c0 = cpuNanos();
                LoadResult load = new LoadGenerator(seat, spec).run();
                return new LatencyRun(load, -1, -1, "n/a", (cpuNanos() - c0) / 1e9, WriteBehindStats.NONE);
            }
            try (Qcow2Node tgt = Qcow2Node.create(target, Qcow2Options.of(bytes));
                 BlockNode fl = fleecing ? fleecingImage(fleece, bytes) : null) {
                ThrottleNode slow = new ThrottleNode(tgt, rate);
                BackupOptions options = fleecing ? BackupOptions.fleecingDefaults().withDiscardSource(!noDiscardSource)
                        : BackupOptions.defaults();
                if (scenario.equals(NO_WRITE_BEHIND)) {
                    options = options.withWriteBehind(0);
                }
                if (fleecing && cbwTimeout != null) {
                    options = options.withCbwTimeout(cbwTimeout);
                }
                options = options.withPerf(new Perf(options.perf().maxWorkers(), Sizes.parse(maxChunk),
                        options.perf().minClusterSize()));
                GuestBackup b = GuestBackup.prepare("bench", List.of(new GuestBackup.Disk("disk0", seat, slow, fl, null)),
                        options, e -> { });
                AtomicLong peak = new AtomicLong(fleecing ? 0 : -1);
                long t0 = System.nanoTime();
                b.start();
                Thread sampler = Thread.ofPlatform().daemon().start(() -> sample(fl, peak));
                long c0 = cpuNanos();
                LoadResult load = new LoadGenerator(seat, spec).run();
                double cpu = (cpuNanos() - c0) / 1e9;
                slow.setBytesPerSecond(0);                     // let the rest finish quickly (as the peer does)
                GuestBackup.Result r = b.await();
                WriteBehindStats wb = b.jobs().get(0).filter().writeBehind();
                double seconds = (System.nanoTime() - t0) / 1e9;
                sampler.interrupt();
                sampler.join();
                if (r.state() != JobState.COMPLETED) {
                    throw new IllegalStateException(scenario + " failed: " + r.error());
                }
                tgt.flush();
                String check = compare(golden, target);
                return new LatencyRun(load, peak.get(), seconds, check, cpu, wb);
            }
        }
    }

    private BlockNode fleecingImage(Path file, long bytes) throws java.io.IOException {
        return switch (format) {
            case QCOW2 -> Qcow2Node.create(file, Qcow2Options.of(bytes).withClusterSize(fleecingCluster != null
                    ? (int) Sizes.parse(fleecingCluster) : FleecingGranularity.forDisk(bytes)));
            case RAW -> RawFileNode.create(file, bytes);
        };
    }

    /// CPU time this process used so far (all threads), in nanoseconds.
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void sample(BlockNode fleece, AtomicLong peak) {
        if (fleece == null) {
            return;
        }
        try {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(fleece.allocatedBytes(), Math::max);
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            peak.set(-2);
        }
    }

    private static String compare(Path golden, Path target) throws Exception {
        if (!BenchSupport.have("qemu-img")) {
            return "unchecked";
        }
        try {
            BenchSupport.run(List.of("qemu-img", "compare", "-f", "raw", "-F", "qcow2", golden.toString(), target.toString()));
            return "identical";
        } catch (java.io.IOException e) {
            return "DIFFERENT";
        }
    }
}
