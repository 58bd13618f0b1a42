package dev.shear.cli.bench;

import static dev.shear.cli.bench.BenchSupport.fmt;
import static dev.shear.cli.bench.BenchSupport.median;

import dev.shear.block.RawFileNode;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/// `shear bench nodes`: sequential throughput of the raw and qcow2 nodes against `cp` and
/// `qemu-img convert` on the same files, in one run, interleaved, medians of the repetitions.
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = {"Sequential write/read throughput of raw and qcow2 nodes (1 MiB requests) and the engine's",
                "raw->qcow2 copy, against cp and qemu-img convert on the same files. Prints medians and ratios."})
public final class NodesBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "2G", description = "image size (default: ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--reps", defaultValue = "3", description = "repetitions (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--dir", description = "scratch directory (default: a new one under /var/tmp)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long bytes = Sizes.parse(size);
        Path scratch = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory(Path.of("/var/tmp"), "shear-bench-");
        Map<String, List<Double>> t = new LinkedHashMap<>();
        byte[] pattern = new byte[Images.MIB];
        new SplittableRandom(7).nextBytes(pattern);
        boolean qemu = BenchSupport.have("qemu-img");
        boolean dropped = false;
        Images.warmUp(scratch);
        try {
            for (int rep = 0; rep < reps; rep++) {
                Path raw = scratch.resolve("bench.raw");
                Path qcow = scratch.resolve("bench.qcow2");
                Path copy = scratch.resolve("copy.qcow2");
                Path qcopy = scratch.resolve("qemu-copy.qcow2");
                Path cpcopy = scratch.resolve("cp-copy.raw");
                for (Path p : List.of(raw, qcow, copy, qcopy, cpcopy)) {
                    Files.deleteIfExists(p);
                }
                dropped = BenchSupport.dropCaches();
                add(t, "raw write", BenchSupport.time(() -> {
                    try (RawFileNode n = RawFileNode.create(raw, bytes)) {
                        Images.writeSequentially(n, pattern);
                    }
                }));
                BenchSupport.dropCaches();
                add(t, "qcow2 write", BenchSupport.time(() -> {
                    try (Qcow2Node n = Qcow2Node.create(qcow, Qcow2Options.of(bytes))) {
                        Images.writeSequentially(n, pattern);
                    }
                }));
                BenchSupport.dropCaches();
                add(t, "raw read", BenchSupport.time(() -> {
                    try (RawFileNode n = Images.openRaw(raw)) {
                        Images.readSequentially(n);
                    }
                }));
                BenchSupport.dropCaches();
                add(t, "qcow2 read", BenchSupport.time(() -> {
                    try (Qcow2Node n = Qcow2Node.open(qcow, false)) {
                        Images.readSequentially(n);
                    }
                }));
                BenchSupport.dropCaches();
                add(t, "shear raw->qcow2 copy (4 workers)", BenchSupport.time(() -> {
                    try (RawFileNode src = Images.openRaw(raw); Qcow2Node dst = Qcow2Node.create(copy, Qcow2Options.of(bytes))) {
                        Images.engineCopy(src, dst, 4);
                    }
                }));
                if (qemu) {
                    BenchSupport.dropCaches();
                    add(t, "qemu-img convert -O qcow2 (+sync)", BenchSupport.time(() -> {
                        BenchSupport.run(List.of("qemu-img", "convert", "-O", "qcow2", raw.toString(), qcopy.toString()));
                        BenchSupport.run(List.of("sync", qcopy.toString()));
                    }));
                }
                BenchSupport.dropCaches();
                add(t, "cp --sparse=always (+sync)", BenchSupport.time(() -> {
                    BenchSupport.run(List.of("cp", "--sparse=always", raw.toString(), cpcopy.toString()));
                    BenchSupport.run(List.of("sync", cpcopy.toString()));
                }));
            }
        } finally {
            for (Path p : List.of("bench.raw", "bench.qcow2", "copy.qcow2", "qemu-copy.qcow2", "cp-copy.raw").stream()
                    .map(scratch::resolve).toList()) {
                Files.deleteIfExists(p);
            }
            if (dir == null) {
                Files.deleteIfExists(scratch);
            }
        }
        out.println(fmt("shear bench nodes: %s image, 1 MiB requests, %d repetitions, page cache %s, %s",
                Sizes.format(bytes), reps, dropped ? "dropped before each step" : "NOT dropped (not root)", scratch));
        BenchSupport.Table table = new BenchSupport.Table("step", "median s", "MB/s (median)", "MB/s min..max");
        for (var e : t.entrySet()) {
            double m = median(e.getValue());
            table.row(e.getKey(), fmt("%.2f", m), BenchSupport.mbps(bytes, m),
                    BenchSupport.mbps(bytes, BenchSupport.max(e.getValue())) + ".." + BenchSupport.mbps(bytes, BenchSupport.min(e.getValue())));
        }
        table.print(out);
        out.println(fmt("qcow2 write / raw write = %.2f (goal >= 0.8)", median(t.get("raw write")) / median(t.get("qcow2 write"))));
        if (qemu) {
            out.println(fmt("shear copy / qemu-img convert = %.2f (goal >= 1.0; speed ratio)",
                    median(t.get("qemu-img convert -O qcow2 (+sync)")) / median(t.get("shear raw->qcow2 copy (4 workers)"))));
        }
        out.println(fmt("shear copy / cp = %.2f (speed ratio)",
                median(t.get("cp --sparse=always (+sync)")) / median(t.get("shear raw->qcow2 copy (4 workers)"))));
        return 0;
    }

    private static void add(Map<String, List<Double>> t, String key, double seconds) {
        t.computeIfAbsent(key, k -> new ArrayList<>()).add(seconds);
    }
}
